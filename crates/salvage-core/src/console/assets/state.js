// The page's shared state: the session, the current view, and the timers and counters the
// session, live updates and run progress share. Views keep their own state in closures.

export const state = {
  session: null,     // {name, role, csrf}
  view: null,        // the current view: {key, refresh?, reload?, update?}
  renderId: 0,       // bumped on every full render; stale async work checks it
  events: null,      // EventSource
  eventsRetry: 0,
  refreshTimer: 0,
  refreshing: false,
  pollTimer: 0,
  runFollow: 0,      // bumped to stop following a run
};

export const isOperator = () => state.session?.role === 'operator';
