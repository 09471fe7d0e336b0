/* The book's Python in a Web Worker, so that the page never freezes while it starts or runs
   (tools/in_page/bp-python.js starts it; from file:// Chromium refuses the worker, and the
   page then runs the same scripts itself). A module worker: Pyodide refuses classic ones.
   The runtime's files are classic scripts that set globals; imported, they do the same. */
function tell(message){ self.postMessage(message); }
async function boot(m){
  try {
    for (var i = 0; i < m.scripts.length; i++) {
      tell({type: 'progress', text: 'loading ' + m.scripts[i], fraction: 0.8 * i / m.scripts.length});
      await import(m.base + m.scripts[i]);
    }
    await self.bpBoot(m.base, function(text, fraction){
      tell({type: 'progress', text: text, fraction: fraction});
    });
    tell({type: 'ready'});
  } catch (e) {
    tell({type: 'failed', message: String(e && e.message || e)});
  }
}
self.onmessage = function(ev){
  var m = ev.data;
  if (m.type === 'boot') { boot(m); return; }
  var out;
  try { out = self.bpCall(m.name, m.payload); }
  catch (e) { out = JSON.stringify({error: String(e && e.message || e)}); }
  tell({type: 'result', id: m.id, out: out});
};
