// A tiny element builder: every piece of data goes in as text (textContent, attributes), never as HTML, so an order
// with "<script>" in a customer name shows it instead of running it — and the CSP forbids inline script anyway.

/** h('a', { href: '#/x', class: 'btn' }, 'text', child…): null/false children and attributes are left out. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the children of `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** A table with a caption and header; `rows` are arrays of cells (text or nodes). */
export function table(caption, headers, rows, attrs = {}) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      attrs,
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, headers.map((text) => h('th', { scope: 'col' }, text)))),
      h('tbody', {}, rows.length === 0 ? h('tr', {}, h('td', { colspan: headers.length, class: 'empty' }, 'None')) : rows.map((cells) => h('tr', {}, cells.map((c) => h('td', {}, c))))),
    ),
  );
}

/** A labelled form control. */
export function field(label, control) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), control);
}

/** A <select> with an empty "any" option first. */
export function select(name, options, value, anyLabel = 'any') {
  return h(
    'select',
    { name },
    anyLabel === null ? null : h('option', { value: '' }, anyLabel),
    options.map((o) => {
      const [v, text] = Array.isArray(o) ? o : [o, o];
      return h('option', { value: v, selected: v === value }, text);
    }),
  );
}

/** The place an action's outcome is shown: success or the API's own message. */
export function outcome() {
  return h('p', { class: 'outcome', role: 'status', 'aria-live': 'polite' });
}

export function showOutcome(el, ok, text) {
  el.className = `outcome ${ok ? 'ok' : 'error'}`;
  el.textContent = text;
}
