/* Starts the book's Python (Pyodide) from the classic scripts that tools/pyodide_runtime.py
   bundles, in a worker or in the page: the same code runs over http and from file://.
   Chromium refuses fetch() from file://, so while Pyodide starts, fetch() hands it the bytes
   the data scripts filed in self.bpPyodideFiles (nothing else: no request leaves the page),
   and the original fetch() comes back once Python runs. */
(function(){
'use strict';
function decode(text){
  if (Uint8Array.fromBase64) return Uint8Array.fromBase64(text);
  var raw = atob(text), out = new Uint8Array(raw.length);
  for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}
self.bpBoot = async function(base, progress){
  var files = self.bpPyodideFiles || {}, bytes = {};
  Object.keys(files).forEach(function(name){ bytes[name] = decode(files[name]); });
  self.bpPyodideFiles = null;  /* the strings are large: let them go */
  var realFetch = self.fetch;
  self.fetch = function(url){
    var href = String(url && url.url ? url.url : url);
    var name = href.split(/[?#]/)[0].split('/').pop(), data = bytes[name];
    if (!data) return Promise.reject(new TypeError('the page\u2019s Python holds no file ' + href));
    return Promise.resolve(new Response(data, {headers: {'Content-Type':
      /\.wasm$/.test(name) ? 'application/wasm' : 'application/octet-stream'}}));
  };
  self.bpPyodideBase = base;
  var py;
  try {
    progress('starting Python', 0.85);
    py = await self.loadPyodide({
      indexURL: base, createPyodideModule: self.bpCreatePyodideModule,
      lockFileContents: JSON.parse(new TextDecoder().decode(bytes['pyodide-lock.json'])),
      stdout: function(){}, stderr: function(){}});
  } finally {
    self.fetch = realFetch;
  }
  progress('loading the book\u2019s code', 0.95);
  py.FS.mkdirTree('/home/pyodide/bp');
  var sources = self.bpPythonSources;
  Object.keys(sources).forEach(function(name){
    py.FS.writeFile('/home/pyodide/bp/' + name, sources[name]);
  });
  py.runPython('import sys\nsys.path.insert(0, "/home/pyodide/bp")\nimport in_page_driver\n');
  self.bpDriver = py.pyimport('in_page_driver');
  return py;
};
/* One request to the book's Python: JSON in, JSON out (backprop_lib/figures/in_page_driver.py). */
self.bpCall = function(name, payload){ return self.bpDriver.call(name, payload); };
})();
