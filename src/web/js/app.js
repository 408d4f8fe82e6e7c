// The router: each address is a view; links marked `data-nav` change the view without
// reloading the page, and the browser's back and forward buttons work.

const ROUTES = [
  [/^\/$/, (view) => renderSearch(view)],
  [/^\/cities$/, (view) => renderCities(view)],
  [/^\/compare$/, (view) => renderCompare(view)],
  [/^\/report$/, (view) => renderReport(view)],
  [/^\/requests\/([^/]+)\/([^/]+)$/, (view, m) => renderRequest(view, decodeURIComponent(m[1]), decodeURIComponent(m[2]))],
  [/^\/tokens\/([^/]+)$/, (view, m) => renderToken(view, decodeURIComponent(m[1]))],
];

const NAV = [["/", "search"], ["/cities", "cities"], ["/compare", "compare"], ["/report", "report"]];

function shell() {
  document.getElementById("skip").textContent = T.skip;
  document.getElementById("brand").textContent = T.brand;
  document.getElementById("nav").replaceChildren(h("ul", {}, NAV.map(([href, key]) =>
    h("li", {}, h("a", { href, "data-nav": true, "data-view": key }, T.nav[key])))));
}

async function render() {
  const view = document.getElementById("view");
  const path = location.pathname;
  for (const link of document.querySelectorAll("#nav a")) {
    const here = link.getAttribute("href") === path || (path.startsWith("/tokens/") && link.dataset.view === "report");
    if (here) link.setAttribute("aria-current", "page"); else link.removeAttribute("aria-current");
  }
  view.replaceChildren();
  delete document.body.dataset.mapReady;
  const route = ROUTES.map(([pattern, show]) => [path.match(pattern), show]).find(([m]) => m);
  document.body.dataset.view = route ? path.split("/")[1] || "search" : "none";
  if (!route) {
    view.append(h("h1", {}, T.notFound));
    return;
  }
  try {
    await route[1](view, route[0]);
  } catch (e) {
    view.append(errorBox(e));
  }
  document.body.dataset.rendered = path;
}

document.addEventListener("click", (e) => {
  const link = e.target.closest("a[data-nav]");
  if (!link || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const target = new URL(link.href, location.href);
  if (target.origin !== location.origin) return;
  e.preventDefault();
  history.pushState(null, "", target.pathname + target.search);
  render().then(() => {
    window.scrollTo(0, 0);
    document.getElementById("view").focus({ preventScroll: true });
  });
});

window.addEventListener("popstate", () => render());

shell();
render();
