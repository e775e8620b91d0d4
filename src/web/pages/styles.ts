// Styles and the one script of the visitor pages and the console, on top of
// the layout's base stylesheet. Both are inline and allowed by hash in the
// Content-Security-Policy; the pages work without the script.

export const WEB_STYLES = `
.lead{font-size:1.125rem}
.card>header{margin-bottom:.5rem}
.card h3 a{color:inherit}
.card footer{margin-top:.5rem}
.card footer p{margin:.25rem 0}
.post-meta{display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:.5rem 0 0;padding:0;list-style:none;color:var(--muted);font-size:.9375rem}
.media{display:grid;grid-template-columns:repeat(auto-fill,minmax(9rem,1fr));gap:.5rem;margin:.75rem 0;padding:0;list-style:none}
.media figure{margin:0}
.media img{display:block;width:100%;height:auto;max-height:24rem;object-fit:contain;background:var(--surface);border-radius:6px}
.media figcaption{font-size:.875rem;color:var(--muted);margin-top:.25rem}
.media .no-alt{font-style:italic}
.files{margin:.5rem 0;padding-left:1.25rem}
.content table{display:block;max-width:100%;overflow-x:auto;border-collapse:collapse;margin:1rem 0}
.content th,.content td{padding:.25rem .75rem;border-bottom:1px solid var(--muted);text-align:left;vertical-align:top}
.toolbar{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1rem;margin:1rem 0}
.toolbar ul{display:flex;gap:.5rem;margin:0;padding:0;list-style:none}
.pager{display:flex;justify-content:space-between;gap:1rem;margin:1.5rem 0}
.pager a{display:inline-block;padding:.5rem 0;min-height:44px}
.follow-box{background:var(--surface);border-radius:8px;padding:1rem;margin:1.5rem 0}
.follow-box h2{margin-top:0}
.follow-box form{margin-bottom:1.25rem}
.copy-row{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
.copy-row input{flex:1 1 12rem}
form.inline{display:inline}
.field{margin:0 0 1rem}
.field label,.field legend{display:block;font-weight:600;margin-bottom:.25rem}
.field .hint{display:block;color:var(--muted);font-size:.9375rem;font-weight:400}
.field .error{display:block;color:var(--error);font-weight:600;margin-top:.25rem}
input[type=text],input[type=password],input[type=search],input[type=url],textarea,select{width:100%;max-width:32rem;font:inherit;color:var(--text);background:var(--bg);border:1px solid var(--muted);border-radius:6px;padding:.5rem .6rem;min-height:44px}
textarea{min-height:6rem}
input[aria-invalid=true],textarea[aria-invalid=true]{border:2px solid var(--error)}
.check{display:flex;gap:.5rem;align-items:flex-start;margin:.5rem 0}
.check label{font-weight:400;margin:0}
fieldset.field{border:1px solid var(--border);border-radius:6px;padding:.5rem .75rem}
.check input{margin-top:.3rem;width:1.25rem;height:1.25rem;flex:none}
button,.button{display:inline-block;font:inherit;font-weight:600;min-height:44px;padding:.5rem 1rem;border-radius:6px;border:1px solid var(--link);background:var(--link);color:var(--bg);cursor:pointer;text-decoration:none}
button.secondary,.button.secondary{background:var(--bg);color:var(--link)}
button.danger{background:var(--error);border-color:var(--error);color:var(--bg)}
.actions{display:flex;flex-wrap:wrap;gap:.5rem;margin:.75rem 0 0}
.actions form{margin:0}
.notice{border-left:4px solid var(--link);background:var(--surface);padding:.75rem 1rem;margin:1rem 0;border-radius:0 6px 6px 0}
.notice.error{border-left-color:var(--error)}
.tabs{display:flex;flex-wrap:wrap;gap:.25rem 1rem;margin:1rem 0;padding:0 0 .5rem;list-style:none;border-bottom:1px solid var(--border)}
.tabs a{display:inline-block;padding:.5rem 0;min-height:44px}
.count{display:inline-block;min-width:1.5rem;text-align:center;background:var(--link);color:var(--bg);border-radius:999px;font-size:.8125rem;font-weight:700;padding:0 .4rem;margin-left:.25rem}
.replies{list-style:none;margin:0;padding:0}
.replies .replies{margin-left:.75rem;padding-left:.75rem;border-left:2px solid var(--border)}
.replies>li>.card{margin:.75rem 0}
.card pre{white-space:pre-wrap;overflow-wrap:anywhere}
.placeholder{color:var(--muted);font-style:italic}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(8rem,1fr));gap:.5rem;margin:1rem 0;padding:0;list-style:none}
.stats li{background:var(--surface);border-radius:6px;padding:.5rem .75rem}
.stats strong{display:block;font-size:1.375rem}
.kv{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .75rem;margin:.5rem 0;font-size:.9375rem}
.kv dt{color:var(--muted)}
.kv dd{margin:0}
.net-page .net-node text{pointer-events:none}
.node-list{list-style:none;margin:0;padding:0}
.node-list>li{border:1px solid var(--border);border-radius:8px;padding:.75rem 1rem;margin:.75rem 0}
.node-list .depth{color:var(--muted);font-size:.875rem}
[hidden]{display:none !important}
:root{--error:#b42318}
@media (prefers-color-scheme:dark){:root{--error:#ff8a80}}
`;

/** Copy buttons (hidden until this runs) and confirmations of destructive
 *  console actions. */
export const PAGE_SCRIPT = `(function(){
for(const b of document.querySelectorAll("button[data-copy]")){
b.hidden=false;
b.addEventListener("click",function(){
const done=function(){const l=b.textContent;b.textContent=b.dataset.copied;setTimeout(function(){b.textContent=l},2000)};
const field=document.getElementById(b.dataset.copy);
if(navigator.clipboard&&window.isSecureContext){navigator.clipboard.writeText(field.value).then(done)}
else{field.select();document.execCommand("copy");done()}
});
}
for(const f of document.querySelectorAll("form[data-confirm]")){
f.addEventListener("submit",function(e){if(!confirm(f.dataset.confirm))e.preventDefault()});
}
})();`;
