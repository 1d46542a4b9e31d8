// Live job events from the /ws/jobs websocket, for pages that follow downloads.
//
// The async app pushes every download's progress there. When the route goes to the legacy
// app (a WSGI app has no websockets) the socket never opens and the page polls the API
// instead; `onLiveChange(false)` tells it so. A socket that did open and then closed (a
// server restart, a route flipped) is retried a few times.

const RECONNECT_MILLISECONDS = 3000;
const MAX_RECONNECTS = 5;

/**
 * Follow job events: onEvent(event) for each download event, onLiveChange(isLive) whenever
 * the socket opens or closes. Without WebSocket support nothing is called: poll.
 */
export function followJobEvents({ onEvent, onLiveChange }) {
  if (!("WebSocket" in window)) return;
  const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";

  function connect(attempt) {
    let socket;
    try {
      socket = new WebSocket(`${scheme}//${window.location.host}/ws/jobs`);
    } catch {
      return; // no websocket here: polling goes on
    }
    let opened = false;
    socket.addEventListener("open", () => {
      opened = true;
      onLiveChange(true);
    });
    socket.addEventListener("message", (message) => {
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return; // a message that is not an event: nothing to show
      }
      if (event.type === "download") onEvent(event);
    });
    socket.addEventListener("close", () => {
      if (opened) onLiveChange(false);
      if (opened && attempt < MAX_RECONNECTS) setTimeout(() => connect(attempt + 1), RECONNECT_MILLISECONDS);
    });
  }

  connect(0);
}
