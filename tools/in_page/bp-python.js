/* Python in the page: the HTML book's cells that run the book's own code in the reader's
   browser (chapters "The chain rule" and "The worked 2-2-1 example"; the panels come from
   backprop_lib/figures/in_page_python.py; with the exercises of both chapters, each an
   editor whose Run returns its checker's verdict). Nothing loads until the first Run: then the
   runtime (tools/pyodide_runtime.py) starts in a Web Worker, or, where Chromium refuses a
   worker (file://), in the page with a progress bar. window.bpPython.call(name, request)
   sends a request to backprop_lib/figures/in_page_driver.py and resolves to its answer. */
(function(){
'use strict';
if (window.bpPython) return;
var BASE = new URL('./', document.currentScript.src).href;
var SCRIPTS = ['pyodide.js', 'pyodide.asm.js', 'pyodide.asm.wasm.js', 'python_stdlib.zip.js',
               'pyodide-lock.json.js', 'bp-sources.js', 'bp-boot.js'];
var P = window.bpPython = {mode: null, loadMs: null, calls: [], listeners: [], timeoutMs: 20000};
var ready = null, worker = null, pending = {}, nextId = 1;

function progress(text, fraction){
  P.listeners.forEach(function(f){ f(text, fraction); });
}
function paint(){ return new Promise(function(r){ requestAnimationFrame(function(){ setTimeout(r, 0); }); }); }

function startWorker(){
  return new Promise(function(resolve, reject){
    var w, heard = false;
    try { w = new Worker(BASE + 'bp-worker.js', {type: 'module'}); } catch (e) { reject(e); return; }
    w.onerror = function(ev){
      if (ev.preventDefault) ev.preventDefault();
      if (!heard) { w.terminate(); reject(new Error('the worker did not start')); }
    };
    w.onmessage = function(ev){
      var m = ev.data; heard = true;
      if (m.type === 'progress') progress(m.text, m.fraction);
      else if (m.type === 'ready') resolve(w);
      else if (m.type === 'failed') { w.terminate(); reject(new Error(m.message)); }
      else if (m.type === 'result') { var done = pending[m.id]; delete pending[m.id]; done(m.out); }
    };
    w.postMessage({type: 'boot', base: BASE, scripts: SCRIPTS});
  });
}
function loadScript(src){
  return new Promise(function(resolve, reject){
    var s = document.createElement('script');
    s.src = src; s.onload = resolve;
    s.onerror = function(){ reject(new Error('could not load ' + src)); };
    document.head.appendChild(s);
  });
}
async function startHere(){
  for (var i = 0; i < SCRIPTS.length; i++) {
    progress('loading ' + SCRIPTS[i], 0.8 * i / SCRIPTS.length);
    await paint();  /* let the progress bar show: the page itself does the work here */
    await loadScript(BASE + SCRIPTS[i]);
  }
  await paint();
  await window.bpBoot(BASE, progress);
}
P.ensure = function(){
  if (ready) return ready;
  var t0 = performance.now();
  /* from file:// Chromium refuses the worker (an opaque origin may not load it): then the
     page runs the same scripts itself, with the progress bar showing */
  ready = startWorker().then(function(w){ worker = w; P.mode = 'worker'; },
                             function(e){ P.workerRefused = String(e && e.message || e);
                                          P.mode = 'page'; return startHere(); })
    .then(function(){ P.loadMs = performance.now() - t0; progress('ready', 1); });
  ready.catch(function(){ ready = null; });  /* a failed start may be retried */
  return ready;
};
P.call = function(name, request){
  return P.ensure().then(function(){
    var t0 = performance.now(), payload = JSON.stringify(request);
    var answer = worker ? new Promise(function(done){
      var id = nextId++, w = worker;
      /* a reader's endless loop would hold the worker for ever: past P.timeoutMs it is
         stopped, the answer says so, and the next Run starts Python afresh */
      var timer = setTimeout(function(){
        if (!pending[id]) return;
        delete pending[id];
        w.terminate();
        if (worker === w) { worker = null; ready = null; P.mode = null; }
        P.stopped = (P.stopped || 0) + 1;
        done(JSON.stringify({error: 'stopped after ' + Math.round(P.timeoutMs / 1000)
          + ' s: the code was still running (an endless loop?). Run again to start afresh.'}));
      }, P.timeoutMs);
      pending[id] = function(out){ clearTimeout(timer); done(out); };
      w.postMessage({type: 'call', id: id, name: name, payload: payload});
    }) : Promise.resolve(window.bpCall(name, payload));
    return answer.then(function(out){
      P.calls.push({name: name, ms: performance.now() - t0});
      return JSON.parse(out);
    });
  });
};

/* ------------------------------------------------------------------ the panels */
function $(root, sel){ return root.querySelector(sel); }
function say(panel, text, ok){
  var out = $(panel, '.bp-python-out');
  out.textContent = text;
  out.setAttribute('data-ok', ok === undefined ? '' : String(ok));
}
function withProgress(panel){
  var box = $(panel, '.bp-python-progress'), bar = $(box, 'progress'), label = $(box, 'span');
  if (ready && P.mode) return function(){};
  box.hidden = false;
  var listen = function(text, fraction){ bar.value = fraction; label.textContent = 'Python: ' + text; };
  P.listeners.push(listen);
  return function(){ box.hidden = true; P.listeners.splice(P.listeners.indexOf(listen), 1); };
}
function run(panel, name, request, show){
  var done = withProgress(panel), button = $(panel, '.bp-python-run');
  panel.setAttribute('data-bp-state', 'running');
  button.disabled = true;
  return P.call(name, request).then(function(answer){
    done(); button.disabled = false;
    if (answer.error) { say(panel, '\u2718 Python says: ' + answer.error, false); }
    else show(answer);
    panel.setAttribute('data-bp-state', answer.error ? 'error' : 'done');
    return answer;
  }, function(e){
    done(); button.disabled = false;
    panel.setAttribute('data-bp-state', 'error');
    say(panel, '\u2718 Python could not start in this page: ' + (e && e.message || e), false);
  });
}

var KINDS = {};
KINDS.engine_lab = function(panel){
  $(panel, '.bp-python-run').addEventListener('click', function(){
    run(panel, 'engine_lab', {code: $(panel, 'textarea').value}, function(a){
      panel.bpAnswer = a;
      say(panel, (a.ok ? '\u2714 Correct: ' : '\u2718 Not yet: ') + a.message
                 + (a.printed ? '\nprinted:\n' + a.printed : ''), a.ok);
    });
  });
};

function fieldsOf(panel){
  var setting = {};
  [].forEach.call(panel.querySelectorAll('input[data-bp-key]'), function(input){
    var key = input.getAttribute('data-bp-key').split('.'), v = Number(input.value.trim() || 'x');
    v = isFinite(v) ? v : null;  /* JSON has no NaN: Python names the bad entry */
    if (key.length === 1) { setting[key[0]] = v; return; }
    var m = setting[key[0]] = setting[key[0]] || [];
    (m[+key[1]] = m[+key[1]] || [])[+key[2]] = v;
  });
  return setting;
}
KINDS.worked = function(panel){
  $(panel, '.bp-python-run').addEventListener('click', function(){
    run(panel, 'worked', fieldsOf(panel), function(a){
      panel.bpAnswer = a;
      $(panel, '.bp-python-figure').innerHTML = a.svg;
      var svg = $(panel, '.bp-python-figure svg');
      svg.setAttribute('role', 'img'); svg.setAttribute('aria-label', a.text);
      svg.removeAttribute('width'); svg.removeAttribute('height');
      var v = a.values, f = function(x){ return Number(x).toPrecision(6); };
      say(panel, a.text + ' Forward: a1 = (' + f(v.A1[0][0]) + ', ' + f(v.A1[1][0]) + '), \u0177 = '
        + f(v.A2[0][0]) + ', loss ' + f(v.loss) + '. Backward: dZ2 = ' + f(v.dZ2[0][0])
        + ', dZ1 = (' + f(v.dZ1[0][0]) + ', ' + f(v.dZ1[1][0]) + ').', true);
    });
  });
};

function lossCurve(losses){
  var w = 440, h = 200, pad = 34, n = losses.length;
  var logs = losses.map(function(l){ return Math.log10(Math.max(l, 1e-12)); });
  var lo = Math.min.apply(null, logs), hi = Math.max.apply(null, logs);
  if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
  var pts = logs.map(function(v, i){
    return (pad + (w - pad - 8) * i / Math.max(n - 1, 1)).toFixed(1) + ',' +
           (8 + (h - pad - 8) * (hi - v) / (hi - lo)).toFixed(1);
  }).join(' ');
  return '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ' + w + ' ' + h + '" role="img" '
    + 'aria-label="loss against step, log scale, from ' + losses[0].toPrecision(3) + ' to '
    + losses[n - 1].toPrecision(3) + '" font-size="12" font-family="DejaVu Sans, sans-serif">'
    + '<rect width="' + w + '" height="' + h + '" fill="white"/>'
    + '<polyline fill="none" stroke="#0072B2" stroke-width="2" points="' + pts + '"/>'
    + '<line x1="' + pad + '" y1="' + (h - pad) + '" x2="' + (w - 8) + '" y2="' + (h - pad) + '" stroke="#222"/>'
    + '<line x1="' + pad + '" y1="8" x2="' + pad + '" y2="' + (h - pad) + '" stroke="#222"/>'
    + '<text x="' + (w / 2) + '" y="' + (h - 10) + '" text-anchor="middle" fill="#222">step (0 to ' + (n - 1) + ')</text>'
    + '<text x="4" y="16" fill="#222">' + Math.pow(10, hi).toPrecision(2) + '</text>'
    + '<text x="4" y="' + (h - pad) + '" fill="#222">' + Math.pow(10, lo).toPrecision(2) + '</text>'
    + '</svg>';
}
KINDS.xor = function(panel){
  var inits = JSON.parse($(panel, 'script[type="application/json"]').textContent);
  var lr = $(panel, 'input[name="lr"]'), shown = $(panel, 'output');
  var busy = false, again = false, live = false;
  function rate(){ return Math.pow(10, Number(lr.value)); }
  function request(){
    var scheme = $(panel, 'select[name="init"]').value, seed = $(panel, 'select[name="seed"]').value;
    return {params: inits[scheme][seed], lr: rate(), steps: Number($(panel, 'select[name="steps"]').value)};
  }
  function train(){
    if (busy) { again = true; return; }
    busy = true;
    run(panel, 'xor', request(), function(a){
      panel.bpAnswer = a;
      $(panel, '.bp-python-figure').innerHTML = lossCurve(a.losses);
      say(panel, 'Loss ' + a.losses[0].toPrecision(4) + ' \u2192 ' + a.losses[a.losses.length - 1].toPrecision(4)
        + ' after ' + (a.losses.length - 1) + ' steps at learning rate ' + rate().toPrecision(3)
        + '; outputs at (0,0), (0,1), (1,0), (1,1): '
        + a.predictions.map(function(p){ return p.toFixed(3); }).join(', ') + '.', true);
    }).then(function(){
      live = true; busy = false;
      if (again) { again = false; train(); }
    });
  }
  function showRate(){ shown.textContent = rate().toPrecision(3); lr.setAttribute('aria-valuetext', 'learning rate ' + rate().toPrecision(3)); }
  showRate();
  lr.addEventListener('input', function(){ showRate(); if (live) train(); });
  [].forEach.call(panel.querySelectorAll('select'), function(s){
    s.addEventListener('change', function(){ if (live) train(); });
  });
  $(panel, '.bp-python-run').addEventListener('click', train);
};

/* An exercise of chapter 2 or 3: the reader's code (the notebook's cell), the checker's
   verdict. The precomputed answer field after the panel is the fallback: hidden while the
   page's Python works, shown again if Python cannot start here. */
KINDS.exercise = function(panel){
  var fallback = panel.nextElementSibling;
  if (fallback && fallback.getAttribute('data-bp-checker') === panel.getAttribute('data-bp-checker'))
    fallback.hidden = true;
  else fallback = null;
  $(panel, '.bp-python-run').addEventListener('click', function(){
    run(panel, 'exercise', {checker: panel.getAttribute('data-bp-checker'),
                            names: JSON.parse(panel.getAttribute('data-bp-names')),
                            code: $(panel, 'textarea').value}, function(a){
      panel.bpAnswer = a;
      say(panel, (a.ok ? '\u2714 Correct: ' : '\u2718 Not yet: ') + a.message
                 + (a.printed ? '\nprinted:\n' + a.printed : ''), a.ok);
    }).then(function(){
      if (fallback && !P.loadMs) fallback.hidden = false;  /* Python did not start: the field answers */
    });
  });
};

function attach(panel){
  var kind = KINDS[panel.getAttribute('data-bp-python')];
  if (kind && !panel.bpAttached) { panel.bpAttached = true; kind(panel); panel.hidden = false; }
}
function attachAll(){ [].forEach.call(document.querySelectorAll('.bp-python'), attach); }
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', attachAll);
else attachAll();
})();
