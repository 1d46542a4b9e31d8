// A page's filters live in its URL query string, so reloading, bookmarking and the back
// button all keep them.

/** The current query string as an object, each missing name taking its default. */
export function readState(defaults) {
  const params = new URLSearchParams(window.location.search);
  const state = { ...defaults };
  for (const name of Object.keys(defaults)) {
    if (params.has(name)) state[name] = params.get(name);
  }
  return state;
}

/** Put `state` into the URL (values equal to their default are left out). */
export function writeState(state, defaults) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(state)) {
    if (value !== "" && value !== null && value !== undefined && String(value) !== String(defaults[name])) {
      params.set(name, String(value));
    }
  }
  const query = params.toString();
  const url = `${window.location.pathname}${query ? `?${query}` : ""}`;
  window.history.replaceState(null, "", url);
}

export function positiveInteger(value, fallback) {
  const number = Number.parseInt(value, 10);
  return Number.isInteger(number) && number > 0 ? number : fallback;
}
