// Console form pieces: fields with their label, hint and error message next
// to them (aria-describedby, aria-invalid), one-button action forms, and the
// CSRF field every form carries. A page rendered again after a refused form
// gets a FormState naming that form, its errors and what was typed.
import { t } from "../i18n.ts";
import { html, type SafeHtml } from "../sanitize.ts";
import type { Lang } from "../views.ts";
import type { ConsoleSession } from "./session.ts";

export interface FormState {
  /** Which form on the page was refused. */
  form: string;
  /** Field name → message; "_form" for a message about the whole form. */
  errors: Record<string, string>;
  values: Record<string, string>;
}

export interface FormContext {
  lang: Lang;
  session: ConsoleSession;
  state: FormState | null;
}

/** An id safe for HTML from any form name. */
export function idOf(...parts: string[]): string {
  return parts.join("-").replace(/[^a-zA-Z0-9_-]+/g, "_");
}

function errorOf(fc: FormContext, form: string, name: string): string | null {
  return fc.state?.form === form ? fc.state.errors[name] ?? null : null;
}

function valueOf(fc: FormContext, form: string, name: string, fallback: string): string {
  return fc.state?.form === form && name in fc.state.values ? fc.state.values[name] : fallback;
}

export interface FieldOptions {
  name: string;
  label: string;
  hint?: string;
  value?: string;
  type?: "text" | "password" | "textarea";
  required?: boolean;
  autocomplete?: string;
}

export function field(fc: FormContext, form: string, o: FieldOptions): SafeHtml {
  const id = idOf(form, o.name);
  const error = errorOf(fc, form, o.name);
  const described = [o.hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ");
  const attrs = html`id="${id}" name="${o.name}"${o.required && html` required`}${described && html` aria-describedby="${described}"`}${
    error && html` aria-invalid="true"`}${o.autocomplete && html` autocomplete="${o.autocomplete}"`}`;
  // A password is never sent back.
  const value = o.type === "password" ? "" : valueOf(fc, form, o.name, o.value ?? "");
  const input = o.type === "textarea"
    ? html`<textarea ${attrs} rows="4">${value}</textarea>`
    : html`<input type="${o.type ?? "text"}" ${attrs} value="${value}">`;
  return html`<div class="field">
<label for="${id}">${o.label}${o.hint && html`<span class="hint" id="${id}-hint">${o.hint}</span>`}</label>
${input}
${error && html`<span class="error" id="${id}-error">${error}</span>`}
</div>`;
}

export function checkbox(fc: FormContext, form: string, o: { name: string; label: string; checked: boolean }): SafeHtml {
  const id = idOf(form, o.name);
  const checked = fc.state?.form === form ? fc.state.values[o.name] === "on" : o.checked;
  const error = errorOf(fc, form, o.name);
  return html`<div class="check"><input type="checkbox" id="${id}" name="${o.name}"${checked && html` checked`}${
    error && html` aria-invalid="true" aria-describedby="${id}-error"`}><label for="${id}">${o.label}</label></div>
${error && html`<span class="error" id="${id}-error">${error}</span>`}`;
}

export function radios(fc: FormContext, form: string, o: { name: string; legend: string; value: string; options: [string, string][] }): SafeHtml {
  const current = valueOf(fc, form, o.name, o.value);
  const error = errorOf(fc, form, o.name);
  return html`<fieldset class="field"><legend>${o.legend}</legend>
${o.options.map(([value, label]) => {
    const id = idOf(form, o.name, value);
    return html`<div class="check"><input type="radio" id="${id}" name="${o.name}" value="${value}"${current === value && html` checked`}><label for="${id}">${label}</label></div>`;
  })}
${error && html`<span class="error">${error}</span>`}
</fieldset>`;
}

export function select(fc: FormContext, form: string, o: { name: string; label: string; value: string; options: [string, string][] }): SafeHtml {
  const id = idOf(form, o.name);
  const current = valueOf(fc, form, o.name, o.value);
  return html`<div class="field"><label for="${id}">${o.label}</label>
<select id="${id}" name="${o.name}">${o.options.map(([value, label]) => html`<option value="${value}"${current === value && html` selected`}>${label}</option>`)}</select></div>`;
}

export function csrfField(session: ConsoleSession): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${session.csrfToken}">`;
}

/** A form: CSRF field, the form-level error (if any), then `content`. */
export function form(fc: FormContext, o: { id: string; action: string; content: SafeHtml; submit: string; confirm?: string; className?: string; danger?: boolean; secondary?: boolean }): SafeHtml {
  const formError = errorOf(fc, o.id, "_form");
  const hasFieldErrors = fc.state?.form === o.id && Object.keys(fc.state.errors).some((k) => k !== "_form");
  return html`<form method="post" action="${o.action}"${o.className && html` class="${o.className}"`}${o.confirm && html` data-confirm="${o.confirm}"`} id="${idOf("form", o.id)}">
${csrfField(fc.session)}<input type="hidden" name="_form" value="${o.id}">
${formError && html`<p class="notice error" role="alert">${formError}</p>`}
${hasFieldErrors && !formError && html`<p class="notice error" role="alert">${t(fc.lang, "console.formErrors")}</p>`}
${o.content}
<button type="submit"${o.danger ? html` class="danger"` : o.secondary ? html` class="secondary"` : ""}>${o.submit}</button>
</form>`;
}

/** A form that is only a button with hidden values. */
export function actionButton(fc: FormContext, o: { id: string; action: string; label: string; hidden?: Record<string, string>; confirm?: string; danger?: boolean; secondary?: boolean }): SafeHtml {
  const content = html`${Object.entries(o.hidden ?? {}).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}`;
  return form(fc, { id: o.id, action: o.action, content, submit: o.label, confirm: o.confirm, className: "inline", danger: o.danger, secondary: o.secondary });
}
