// The live messages of public versions, moderation and follow-ups (docs/PROTOCOL.md "Public replies, moderation and
// the openness figures"): `{"type":"public"}` on a case and the inbox, `{"type":"followup"}` on the inbox and
// `{"type":"queue"}` on `moderation`. shared/live.js subscribes to these topics with watch() (the server answers
// `subscribed` or `caught_up`, as for the inbox) but hands a conversation's handler only the types it knows (entry,
// caught_up, typing, read, thread, subscribed). This listens on the same socket beside Live — it never sends — and
// passes on these types for topics the page watches, in the order they arrive (Live's own handler runs first, so a
// `subscribed` is always seen before the queue messages that follow it). It follows Live to every new socket: call
// the function it returns from Live's onState (each (re)connection changes the state).

const TYPES = new Set(["public", "followup", "queue"]);

/**
 * @param {import("../shared/live.js").Live} live
 * @param {(message: object) => void} handler gets each `public`, `followup` and `queue` message of a watched topic
 * @returns {() => void} attach: listens on Live's current socket (call it from onState, and after start())
 */
export function tapLive(live, handler) {
  let socket = null;
  const listener = (event) => {
    if (typeof event.data !== "string") return;
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    if (!message || !TYPES.has(message.type) || typeof message.topic !== "string") return;
    if (!live.topics.has(message.topic)) return; // no longer watched here (a case closed a moment ago)
    handler(message);
  };
  return () => {
    const current = live.socket ?? null;
    if (current === socket) return;
    socket?.removeEventListener("message", listener);
    socket = current;
    socket?.addEventListener("message", listener);
  };
}
