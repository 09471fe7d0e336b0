"""An exercise that answers back in the HTML book, where no kernel runs.

`form_html(spec)` turns the spec of `backprop_lib.exercises.in_page` into a small
self-contained HTML form: a text field (or one menu per word of a choice), a Check button,
and a verdict line read out by screen readers (role="status"). The few lines of JavaScript
below compare the reader's input with the spec in the page: no network, no kernel, and it
works from file:// as well as over http. `function_note()` is what an exercise whose answer
is code shows instead: it is done in the notebook version of the chapter.

Input is read like Python: numbers as float() reads them (1e-3, inf, nan), arithmetic with
+ - * / ** ( ) and sqrt, exp, log (so 1/400 or 0.1*(3**2 + 4**2) work), lists in brackets
for arrays ([[0.5], [0.9]] is a 2 x 1 column), and a shape as two whole numbers, (4, 6).
`window.bpExercise.judge(spec, input)` is the rule itself, for the browser test.
"""

from __future__ import annotations

import html
import json

# Feedback's Okabe-Ito green and vermillion, darkened so that bold text reads at 4.5:1 or
# better on white (the light theme).
_OK, _NOT_YET = "#00664A", "#9A4000"
# the same verdicts on the dark theme's page (both over 7:1 against its #121212)
_OK_DARK, _NOT_YET_DARK = "#5FD3A8", "#FFB070"

#: What an exercise whose answer is code shows in the book.
FUNCTION_NOTE = ("This exercise asks for code, which only Python can check: write it in the "
                 "notebook version of this chapter, where the checker runs your function on "
                 "test inputs and names the likely mistake.")

_HINTS = {
    "number": ("a number, such as 0.25 or 1/4",
               "a number (0.25, 1/4, 2.5e-3 and arithmetic such as 0.1*(3**2 + 4**2) work)"),
    "count": ("a whole number", "a whole number"),
    "shape": ("two whole numbers, such as (4, 6)", "the shape as two whole numbers, such as "
                                                   "(4, 6)"),
}

_STYLE = (".bp-exercise{margin:.5em 0 1em}"
          ".bp-exercise form{display:flex;flex-wrap:wrap;gap:.5em 1em;align-items:center}"
          ".bp-exercise label{display:inline-flex;flex-wrap:wrap;gap:.4em;align-items:center}"
          ".bp-exercise input,.bp-exercise select{font:inherit;font-family:var(--pst-font-"
          "family-monospace,monospace);padding:.15em .4em;min-width:12em;max-width:100%}"
          ".bp-exercise button{font:inherit;padding:.15em .9em;cursor:pointer}"
          ".bp-exercise .bp-hint{margin:.3em 0 0;font-size:.85em}"
          ".bp-exercise .bp-verdict{margin:.4em 0 0;font-weight:600}"
          ".bp-exercise .bp-verdict:empty{display:none}"
          f'.bp-exercise .bp-verdict[data-ok="true"]{{color:{_OK}}}'
          f'.bp-exercise .bp-verdict[data-ok="false"]{{color:{_NOT_YET}}}'
          f'html[data-theme=dark] .bp-exercise .bp-verdict[data-ok="true"]{{color:{_OK_DARK}}}'
          f'html[data-theme=dark] .bp-exercise .bp-verdict[data-ok="false"]'
          f'{{color:{_NOT_YET_DARK}}}'
          ".bp-exercise label code{color:inherit;background:none;border:0;padding:0}")

_JS = r"""
(function(){
var B=window.bpExercise;
if(!B){
B=window.bpExercise={};
function fail(m){throw new Error(m);}
/* A tiny reader of Python-like input: numbers, arithmetic, lists. */
function Reader(text){
 this.s=text.replace(/[\u2212\u2013]/g,'-').replace(/[\u00d7\u00b7]/g,'*').replace(/\^/g,'**');
 this.i=0;}
Reader.prototype.ws=function(){while(this.i<this.s.length&&/\s/.test(this.s[this.i]))this.i++;};
Reader.prototype.peek=function(t){this.ws();return this.s.substr(this.i,t.length)===t;};
Reader.prototype.eat=function(t){if(this.peek(t)){this.i+=t.length;return true;}return false;};
Reader.prototype.list=function(close){
 var items=[],comma=false;
 while(!this.eat(close)){
  if(this.i>=this.s.length)fail('a bracket is not closed');
  items.push(this.value());
  comma=this.eat(',');
  if(!comma&&!this.peek(close))fail('expected a comma or a closing bracket');}
 return {items:items,comma:comma};};
Reader.prototype.value=function(){
 if(this.eat('['))return this.list(']').items;
 return this.expr();};
Reader.prototype.expr=function(){
 var v=this.term();
 for(;;){if(this.eat('+'))v=num(v)+num(this.term());
  else if(this.peek('-')){this.i++;v=num(v)-num(this.term());}
  else return v;}};
Reader.prototype.term=function(){
 var v=this.unary();
 for(;;){if(this.peek('**'))return v;
  if(this.eat('*'))v=num(v)*num(this.unary());
  else if(this.eat('/')){var d=num(this.unary());if(d===0)fail('division by zero');v=num(v)/d;}
  else return v;}};
Reader.prototype.unary=function(){
 if(this.eat('-'))return -num(this.unary());
 if(this.eat('+'))return num(this.unary());
 return this.power();};
Reader.prototype.power=function(){
 var v=this.atom();
 if(this.eat('**'))return Math.pow(num(v),num(this.unary()));
 return v;};
var FUNCS={sqrt:Math.sqrt,exp:Math.exp,log:Math.log};
Reader.prototype.atom=function(){
 this.ws();
 var rest=this.s.slice(this.i),m;
 if(this.eat('(')){
  var r=this.list(')');
  if(r.items.length===1&&!r.comma)return r.items[0];
  return r.items;}
 m=/^(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?/.exec(rest);
 if(m){this.i+=m[0].length;return parseFloat(m[0].replace(/_/g,''));}
 m=/^(nan|inf(?:inity)?)\b/i.exec(rest);
 if(m){this.i+=m[0].length;return m[1].toLowerCase()==='nan'?NaN:Infinity;}
 m=/^(?:np\.|math\.)?(sqrt|exp|log)\s*\(/.exec(rest);
 if(m){this.i+=m[0].length;var a=num(this.expr());if(!this.eat(')'))fail('a bracket is not closed');
  return FUNCS[m[1]](a);}
 fail(rest?'could not read "'+rest.slice(0,12)+'"':'something is missing at the end');};
function num(v){if(typeof v!=='number')fail('arithmetic on a list');return v;}
function read(text){
 var r=new Reader(text),v;
 r.ws();if(r.i>=r.s.length)fail('the field is empty');
 v=r.value();
 if(r.eat(',')){v=[v];while((r.ws(),r.i<r.s.length)){v.push(r.value());if(!r.eat(','))break;}}
 r.ws();if(r.i<r.s.length)fail('could not read "'+r.s.slice(r.i,r.i+12)+'"');
 return v;}
function shapeOf(v){
 if(typeof v==='number')return [];
 if(!v.length)return [0];
 var inner=shapeOf(v[0]);
 for(var k=1;k<v.length;k++)
  if(shapeOf(v[k]).join()!==inner.join())fail('the rows have different lengths');
 return [v.length].concat(inner);}
function flat(v){return typeof v==='number'?[v]:[].concat.apply([],v.map(flat));}
function tuple(s){return s.length===1?'('+s[0]+',)':'('+s.join(', ')+')';}
function size(s){return s.reduce(function(a,b){return a*b;},1);}
function g(x){
 if(x===0)return '0';
 var e=Math.floor(Math.log10(Math.abs(x))),s;
 if(e<-4||e>=6){s=x.toExponential(5).replace(/\.?0+e/,'e').replace(/e([+-])(\d)$/,'e$10$2');}
 else{s=x.toPrecision(6);if(s.indexOf('.')>=0)s=s.replace(/\.?0+$/,'');}
 return s;}
function close(x,v,spec){return Math.abs(x-v)<=spec.atol+spec.rtol*Math.abs(v);}
function v(c){return {ok:c.ok,message:c.message};}
function unread(spec,err){
 return {ok:false,message:err.message+': write '+spec.what+'.'};}
function judgeNumber(spec,text){
 var x;try{x=read(text);}catch(e){return unread(spec,e);}
 var s=shapeOf(x),count=spec.kind==='count';
 if(s.length){
  if(size(s)!==1)return {ok:false,message:spec.name+' must be a single '+(count?'whole ':'')+
   'number; got an array of shape '+tuple(s)+'.'};
  x=flat(x)[0];}
 if(isNaN(x))return v(spec.nan);
 if(!isFinite(x))return v(spec[x>0?'inf':'-inf']);
 if(count&&Math.floor(x)!==x){var shown=g(x);
  if(/^-?\d+$/.test(shown))shown=x.toPrecision(15).replace(/\.?0+$/,'');
  return {ok:false,message:spec.name+' must be a whole number: '+shown+' is not a count.'};}
 for(var k=0;k<spec.cases.length;k++){
  var c=spec.cases[k];
  if(c.negative?x<0:(count?x===c.value:close(x,c.value,spec)))return v(c);}
 return v(spec.other);}
function judgeArray(spec,text){
 var x,s;try{x=read(text);s=shapeOf(x);}catch(e){return unread(spec,e);}
 var e=spec.shape,n=size(s),name=spec.name;
 if(s.join()!==e.join()){
  if(n===size(e)&&s.length===2&&e.length===2&&s[0]===e[1]&&s[1]===e[0])
   return {ok:false,message:name+' has shape '+tuple(s)+', the transpose of the shape expected, '+
    tuple(e)+': check the order of the product (examples are columns).'};
  if(n===size(e))return {ok:false,message:name+' has shape '+tuple(s)+'; expected shape '+
   tuple(e)+' (the values may be right: reshape, keepdims=True).'};
  var hint=(e.length===2&&s.length>=1&&e.indexOf(n)>=0)?' Did you sum over the wrong axis?':'';
  return {ok:false,message:name+' has shape '+tuple(s)+'; expected '+tuple(e)+'.'+hint};}
 var xs=flat(x);
 if(!xs.every(isFinite)){
  if(xs.length===1)return {ok:false,message:name+' is '+(isNaN(xs[0])?'NaN':'infinite')+
   ': give a finite number.'};
  return {ok:false,message:name+' contains NaN or infinite values.'};}
 for(var k=0;k<spec.cases.length;k++){
  var vs=flat(spec.cases[k].value);
  if(xs.every(function(a,i){return close(a,vs[i],spec);}))return v(spec.cases[k]);}
 return v(spec.other);}
function judgeShape(spec,text){
 var parts=text.trim().replace(/^[(\[]\s*|\s*[)\]]$/g,'').split(/\s*[,x\u00d7*]\s*|\s+/);
 var usage={ok:false,message:'write '+spec.name+' as a tuple of two integers, like (4, 6).'};
 if(parts.length!==2||!parts.every(function(p){return /^[+-]?\d+(\.0*)?$/.test(p);}))return usage;
 var key=parts.map(function(p){return parseInt(p,10);}).join();
 for(var k=0;k<spec.cases.length;k++)if(spec.cases[k].shape.join()===key)return v(spec.cases[k]);
 return v(spec.other);}
B.judge=function(spec,input){
 if(spec.kind==='choice'){
  if(input.some(function(w){return !w;}))return {ok:false,message:'choose an answer in '+
   (input.length>1?'each menu':'the menu')+'.'};
  return v(spec.verdicts[input.join('|')]);}
 if(spec.kind==='shape')return judgeShape(spec,input);
 if(spec.kind==='array')return judgeArray(spec,input);
 return judgeNumber(spec,input);};
B.attach=function(root){
 var spec=JSON.parse(root.querySelector('script[type="application/json"]').textContent);
 var form=root.querySelector('form'),out=root.querySelector('.bp-verdict');
 form.addEventListener('submit',function(ev){
  ev.preventDefault();
  var fields=[].slice.call(form.querySelectorAll('input,select'));
  var r=B.judge(spec,spec.kind==='choice'?fields.map(function(f){return f.value;}):fields[0].value);
  out.setAttribute('data-ok',r.ok?'true':'false');
  out.textContent=(r.ok?'\u2714 Correct: ':'\u2718 Not yet: ')+r.message;
  root.setAttribute('data-bp-ok',r.ok?'true':'false');});};
}
B.attach(document.currentScript.parentNode);
})();
"""


def _hints(spec):
    """(short, long): what to type, for an error message and for the line under the field."""
    if spec["kind"] == "array":
        shape = spec["shape"]
        if len(shape) == 2 and shape[1] == 1:
            rows = ", ".join(f"[x{i + 1}]" for i in range(shape[0]))
            short = f"the {shape[0]} × 1 column as a list of rows, [{rows}]"
        else:
            short = "a list of rows in brackets, such as [[1, 2], [3, 4]]"
        return short, short + " (arithmetic such as 1/4 works in each entry)"
    return _HINTS.get(spec["kind"], ("", ""))


def _field(spec):
    if spec["kind"] != "choice":
        return (f'<label><code>answer =</code> <input type="text" name="answer" '
                f'autocomplete="off" autocapitalize="off" spellcheck="false" '
                f'aria-label="your answer: {html.escape(spec["what"])}"></label>')
    parts = []
    for slot in spec["slots"]:
        label = slot["label"]
        shown = (f"<code>{html.escape(label)} =</code>" if label and label.isidentifier()
                 else html.escape(label or "") + ":" if label else "<code>answer =</code>")
        options = "".join(f'<option value="{html.escape(o)}">{html.escape(o)}</option>'
                          for o in slot["options"])
        parts.append(f'<label>{shown} <select name="{html.escape(label or "answer")}">'
                     f'<option value="">choose…</option>{options}</select></label>')
    return "".join(parts)


def form_html(spec) -> str:
    """The in-page checker of one exercise, from its `in_page.spec`: one self-contained
    <div class="bp-exercise"> (style, form, verdict line, the spec as JSON, the script)."""
    short, long = _hints(spec)
    spec = {**spec, "what": short}
    how = ("Choose, then press Check" if spec["kind"] == "choice"
           else f"Type {long}, then press Check")
    payload = json.dumps(spec, separators=(",", ":"), ensure_ascii=False).replace("</", "<\\/")
    return (f'<div class="bp-exercise" data-bp-checker="{html.escape(spec["checker"])}">'
            f"<style>{_STYLE}</style>"
            f'<form novalidate>{_field(spec)}<button type="submit">Check</button></form>'
            f'<p class="bp-hint">{html.escape(how)}. The page judges it with the same '
            "diagnoses as the notebook's checker.</p>"
            '<p class="bp-verdict" role="status" aria-live="polite"></p>'
            f'<script type="application/json">{payload}</script>'
            f"<script>{_JS}</script></div>")


def function_note(checker=None) -> str:
    """What an exercise whose answer is code shows in the book, as HTML. checker (the
    checker's module.name) marks it, so that chapters 2 and 3, whose pages run Python, can
    put an editor beside it (backprop_lib/figures/in_page_python.py)."""
    mark = f' data-bp-checker="{html.escape(checker)}"' if checker else ""
    return f'<p class="bp-exercise-note"{mark}><em>{html.escape(FUNCTION_NOTE)}</em></p>'
