// Traceyard web UI: a tiny client-side router over plain ES modules (no build step).
import {renderSearch} from './search.js';
import {renderTrace} from './trace.js';
import {renderMap, renderService} from './map.js';
import {renderCompare} from './compare.js';
import {renderHealth} from './health.js';
import {h, errorState} from './util.js';

const app = document.getElementById('app');
let generation = 0;

/** Each render gets a token; a slower earlier render must not overwrite a newer page. */
function routeOf(url) {
  const p = url.pathname;
  let m;
  if (p === '/' || p === '/search') return {page: 'search', render: renderSearch};
  if ((m = p.match(/^\/trace\/([0-9a-fA-F]+)\/?$/))) return {page: 'trace', render: (el, u, ctx) => renderTrace(el, m[1].toLowerCase(), u, ctx)};
  if (p === '/map') return {page: 'map', render: renderMap};
  if (p === '/compare') return {page: 'compare', render: renderCompare};
  if (p === '/health') return {page: 'health', render: renderHealth};
  if ((m = p.match(/^\/service\/(.+)$/))) return {page: 'map', render: (el, u, ctx) => renderService(el, decodeURIComponent(m[1]), u, ctx)};
  return {page: null, render: (el) => el.replaceChildren(h('h1', {}, 'Page not found'),
    h('p', {}, 'Nothing lives at ', h('code', {}, p), '. ', h('a', {href: '/search', 'data-nav': true}, 'Search traces'), '.'))};
}

async function render() {
  const url = new URL(location.href);
  const route = routeOf(url);
  const token = ++generation;
  for (const [id, page] of [['nav-search', 'search'], ['nav-map', 'map'], ['nav-compare', 'compare'], ['nav-health', 'health']]) {
    const a = document.getElementById(id);
    if (route.page === page) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  const ctx = {isCurrent: () => token === generation, navigate};
  app.setAttribute('aria-busy', 'true');
  try {
    await route.render(app, url, ctx);
  } catch (e) {
    if (ctx.isCurrent()) app.replaceChildren(errorState(e));
  } finally {
    if (ctx.isCurrent()) app.removeAttribute('aria-busy');
  }
}

export function navigate(href, replace) {
  if (replace) history.replaceState(null, '', href); else history.pushState(null, '', href);
  render();
  window.scrollTo(0, 0);
}

// Same-origin links marked data-nav (and any plain internal link) navigate without a reload;
// modified clicks (new tab...) and downloads keep the browser's behaviour.
document.addEventListener('click', (e) => {
  const a = e.target.closest && e.target.closest('a[href]');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  // getAttribute, not a.href: SVG links (service map nodes) have no string href/origin/pathname.
  const to = new URL(a.getAttribute('href'), location.href);
  if (a.hasAttribute('download') || a.getAttribute('target') || to.origin !== location.origin || to.pathname.startsWith('/api/')) return;
  e.preventDefault();
  navigate(to.pathname + to.search + to.hash);
});
window.addEventListener('popstate', render);
render();
