// The live WebSocket (/ws, docs/PROTOCOL.md): one per page.
//
// - Topics: a snapshot, then deltas numbered by `seq`. A delta at or below the last applied seq is ignored; one
//   more than one above it means deltas were dropped, so the page subscribes again with `since` and gets them.
// - Reconnects on close with exponential backoff and jitter, then subscribes again to every topic with `since`,
//   without reloading the page.
// - Ratings and likes carry a client-chosen id and resolve when the matching ack (or error) arrives. A request
//   still unanswered when the socket drops is sent again, with the SAME id, after reconnecting: the server applies
//   it once and answers "duplicate" if it had already committed it.
// - document.body.dataset.wsOpen is "true" while the socket is open; dataset.liveSynced is "true" once a snapshot
//   has been applied.
// - `mine` (docs/PROTOCOL.md): the server tells every open socket of the same citizen (other tabs included) what
//   this citizen's rating or like now is, once the write committed; onMine gets it.
// - Conversations (the mayor's direct line: `thread:{code}`, `case:{id}`, `inbox`) are watched with watch(): their
//   messages (entry, caught_up, typing, read, thread) go to the handler as they come, nothing is coalesced; the
//   socket remembers the highest entry seq seen and subscribes again with `since` after a reconnect. `post` is a
//   request like a rating (same id resent after a reconnect); `typing` and `read` are sent only while open.
// - A conversation subscription carries an id, which the server echoes in its error when it refuses it: a refusal
//   never reaches a pending `post`. A refusal for a rate limit (`limit.rate`, `server.busy`) is retried after the
//   `retryAfter` it names; any other refusal ends the watch and tells the handler ({type: "refused", error}).
// - The state the page shows: "open" only while the socket is open AND every conversation topic is subscribed and
//   caught up; "syncing" while a (re)subscription is on its way; "paused" while one waits to be retried after a
//   rate limit (retryIn() says how long); "connecting" / "reconnecting" while the socket is down; "stopped" after
//   stop() (a staff console whose session ended).

const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 20000;
const PING_EVERY_MS = 25000;
const PONG_TIMEOUT_MS = 10000;
const RESYNC_RETRY_MS = 3000;

/** Codes a rating or like can be refused with after it was queued for commit. */
const WRITE_ERRORS = new Set([
  "request.id_reused", "project.not_found", "campaign.not_open", "campaign.closed", "server.busy",
  "rating.invalid_level", "rating.suggestion_too_long", "request.invalid_id", "request.invalid",
  "citizen.missing", "citizen.invalid", "limit.rate", "limit.new_citizens", "rating.not_found",
  "thread.invalid", "thread.blocked", "thread.duplicate", "thread.invalid_transition",
]);

/** Refusals of a subscription that are worth retrying after the wait the server names. */
const RETRY_ERRORS = new Set(["limit.rate", "server.busy"]);
/** Codes a refused subscription may come with (an id-less refusal from an older server is matched by these). */
const SUBSCRIBE_ERRORS = new Set([
  "limit.rate", "server.busy", "limit.topics", "topic.not_found", "thread.not_found", "auth.required", "auth.forbidden",
  "citizen.invalid",
]);
/** The requests an id-less error may belong to: writes refused at commit time (never a `post`: its error has its id). */
const IDLESS_WRITES = new Set(["rate", "like", "withdraw"]);
/** Without a retryAfter, a rate-limited subscription is tried again after this long. */
const DEFAULT_RETRY_S = 5;

/** Messages of a conversation topic, passed to its handler as they are. */
const CONVERSATION_TYPES = new Set([
  "entry", "caught_up", "typing", "read", "thread", "subscribed",
  // Public versions on a case and the inbox, follow-ups on the inbox, the moderators' queue (docs/PROTOCOL.md).
  "public", "followup", "queue",
]);

/** A client id: 1–64 characters of A–Z a–z 0–9 _ -. crypto.getRandomValues works outside secure contexts too. */
export function newClientID(prefix) {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return prefix + "-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export class LiveError extends Error {
  constructor(code, message, retryAfter = null) {
    super(message || code);
    this.name = "LiveError";
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

export class Live {
  /**
   * @param {object} options
   * @param {(state: "connecting"|"open"|"syncing"|"paused"|"reconnecting"|"stopped") => void} [options.onState]
   * @param {(refused: boolean) => Promise<void>} [options.beforeReconnect] runs before each reconnect (e.g. GET
   *   /api/session); refused is true when the last socket never opened (its handshake was refused, say for a
   *   cookie that no longer verifies, or the server is down)
   * @param {(error: LiveError) => void} [options.onError] errors that belong to no request
   * @param {(mine: {action: string, project: string, level: number|null, suggestion: string|null,
   *   liked: boolean|null}) => void} [options.onMine] this citizen's own rating or like changed (in any tab)
   * @param {number} [options.keepAliveMs] also ping every this many ms while open, however busy the socket is (a staff
   *   console: the server checks and refreshes the session on each ping, docs/PROTOCOL.md)
   */
  constructor({ onState, beforeReconnect, onError, onMine, keepAliveMs = 0 } = {}) {
    this.onState = onState ?? (() => {});
    this.beforeReconnect = beforeReconnect;
    this.onError = onError ?? (() => {});
    this.onMine = onMine ?? (() => {});
    this.topics = new Map(); // topic -> { handler, seq, resyncAt } (conversations: also synced, awaiting, retry…)
    this.subscriptions = new Map(); // a conversation subscription's id -> its topic, until it is answered
    this.pending = new Map(); // id -> { message, resolve, reject, generation }
    this.keepAliveMs = keepAliveMs;
    this.keepAliveTimer = null;
    this.socket = null;
    this.generation = 0;
    this.attempt = 0;
    this.timer = null;
    this.pingTimer = null;
    this.pongTimer = null;
    this.started = false;
    this.connecting = false;
    this.lastOpened = false;
    this.socketState = "connecting";
    this.state = "connecting";
    addEventListener("online", () => this.reconnectNow());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.reconnectNow();
    });
  }

  get isOpen() {
    return this.socket !== null && this.socket.readyState === WebSocket.OPEN;
  }

  /** Watches a topic; handler({type: "snapshot"|"delta", seq, data}) gets every message to apply, in order. */
  subscribe(topic, handler) {
    this.topics.set(topic, { handler, seq: null, epoch: null, resyncAt: -Infinity });
    if (this.isOpen) this.#send({ type: "subscribe", topic });
  }

  /**
   * Watches a conversation topic (`thread:{code}`, `case:{id}`, `inbox`): handler(message) gets each of its entry,
   * caught_up, typing, read and thread messages (and `subscribed`, the server's answer to subscribing to `inbox`) in
   * the order they come. `since`: the highest entry seq the page
   * already has (from the HTTP answer); every (re)subscription asks for what came after the highest seen.
   */
  watch(topic, handler, since = 0) {
    const old = this.topics.get(topic);
    if (old?.conversation) this.#forget(topic, old);
    const entry = {
      handler, conversation: true, seq: since, epoch: null, resyncAt: -Infinity,
      synced: false, awaiting: null, retryTimer: null, retryAt: 0,
    };
    this.topics.set(topic, entry);
    if (this.isOpen) this.#subscribeConversation(topic, entry);
    this.#updateState();
  }

  unsubscribe(topic) {
    const entry = this.topics.get(topic);
    if (!entry) return;
    this.topics.delete(topic);
    if (entry.conversation) this.#forget(topic, entry);
    if (this.isOpen) this.#send({ type: "unsubscribe", topic });
    this.#updateState();
  }

  /** Whether a conversation topic is subscribed and caught up on the open socket. */
  synced(topic) {
    return this.isOpen && this.topics.get(topic)?.synced === true;
  }

  /** Seconds until a rate-limited subscription is tried again (0 when none waits). */
  retryIn() {
    let at = 0;
    for (const entry of this.topics.values()) if (entry.retryTimer !== null && entry.retryAt > at) at = entry.retryAt;
    return at ? Math.max(1, Math.ceil((at - Date.now()) / 1000)) : 0;
  }

  /**
   * Stops for good: closes the socket, never reconnects; pending requests are refused with `error` (a LiveError) if
   * given. The state becomes "stopped".
   */
  stop(error = null) {
    if (!this.started) return;
    this.started = false;
    clearTimeout(this.timer);
    this.timer = null;
    for (const [topic, entry] of this.topics) if (entry.conversation) this.#forget(topic, entry);
    const socket = this.socket;
    this.socket = null;
    this.#stopTimers();
    if (socket) {
      try {
        socket.close(1000, "stopped");
      } catch {
        // Already closing.
      }
    }
    delete document.body.dataset.wsOpen;
    if (error) {
      for (const entry of this.pending.values()) entry.reject(error);
      this.pending.clear();
    }
    this.socketState = "stopped";
    this.#updateState();
  }

  start() {
    if (this.started) return;
    this.started = true;
    this.#connect();
  }

  /** If the socket is down and waiting for its backoff, tries at once (the network came back, the tab is visible). */
  reconnectNow() {
    if (!this.started || this.socket !== null || this.connecting) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.#connect();
  }

  /** Closes the socket so that a new one (with a new cookie, say) is opened; pending requests are sent again. */
  restart() {
    if (this.socket) this.socket.close(4000, "restart");
    else this.reconnectNow();
  }

  /** Sends a rating: resolves with the ack, rejects with a LiveError. */
  rate(project, level, suggestion) {
    return this.#request({ type: "rate", id: newClientID("r"), project, level, suggestion });
  }

  /** Withdraws the citizen's rating of a project: resolves with the ack (level null), rejects with a LiveError. */
  withdraw(project) {
    return this.#request({ type: "withdraw", id: newClientID("w"), project });
  }

  /** Sends a like (liked true) or takes it back (false). */
  like(project, liked) {
    return this.#request({ type: "like", id: newClientID("l"), project, liked });
  }

  /** Posts a message to a conversation topic: resolves with the ack ({entry}), rejects with a LiveError. */
  post(topic, body, id = newClientID("m")) {
    return this.#request({ type: "post", id, topic, body });
  }

  /** Sends a message that needs no answer (typing, read) if the socket is open; returns whether it went out. */
  notify(message) {
    if (!this.isOpen) return false;
    this.#send(message);
    return true;
  }

  /** How many requests wait for their answer. */
  get pendingCount() {
    return this.pending.size;
  }

  #request(message) {
    return new Promise((resolve, reject) => {
      const entry = { message, resolve, reject, generation: -1 };
      this.pending.set(message.id, entry);
      if (this.isOpen && this.#maySend(message)) {
        entry.generation = this.generation;
        this.#send(message);
      }
      // Otherwise it goes out when the socket opens (a post: once its topic is caught up).
    });
  }

  #send(message) {
    try {
      this.socket.send(JSON.stringify(message));
    } catch {
      // The socket is closing; onclose reconnects and sends pending requests again.
    }
  }

  #subscription(topic, entry) {
    return entry.seq === null ? { type: "subscribe", topic } : { type: "subscribe", topic, since: entry.seq, epoch: entry.epoch };
  }

  /** A post goes out only on a socket subscribed to its topic (the server refuses it otherwise). */
  #maySend(message) {
    return message.type !== "post" || this.topics.get(message.topic)?.synced === true;
  }

  /** Sends the posts that waited for their topic to be caught up on this socket. */
  #flushPosts(topic) {
    for (const entry of this.pending.values()) {
      if (entry.message.type !== "post" || entry.message.topic !== topic || entry.generation === this.generation) continue;
      entry.generation = this.generation;
      this.#send(entry.message);
    }
  }

  /** Subscribes to a conversation topic with an id of its own (the server's refusal echoes it). */
  #subscribeConversation(topic, entry) {
    if (entry.awaiting) this.subscriptions.delete(entry.awaiting);
    clearTimeout(entry.retryTimer);
    entry.retryTimer = null;
    entry.synced = false;
    const id = newClientID("s");
    entry.awaiting = id;
    this.subscriptions.set(id, topic);
    const message = { type: "subscribe", id, topic };
    if (entry.seq > 0) message.since = entry.seq;
    this.#send(message);
  }

  /** Drops what a conversation subscription is waiting for (the socket closed, or the page stopped watching). */
  #forget(topic, entry) {
    if (entry.awaiting) this.subscriptions.delete(entry.awaiting);
    entry.awaiting = null;
    entry.synced = false;
    clearTimeout(entry.retryTimer);
    entry.retryTimer = null;
  }

  /** The server refused a conversation subscription. */
  #refused(topic, error) {
    const entry = this.topics.get(topic);
    if (!entry?.conversation) return;
    if (entry.awaiting) this.subscriptions.delete(entry.awaiting);
    entry.awaiting = null;
    entry.synced = false;
    if (RETRY_ERRORS.has(error.code)) {
      const seconds = Math.max(1, Number(error.retryAfter) || DEFAULT_RETRY_S);
      clearTimeout(entry.retryTimer);
      entry.retryAt = Date.now() + seconds * 1000;
      entry.retryTimer = setTimeout(() => {
        entry.retryTimer = null;
        if (this.topics.get(topic) === entry && this.isOpen) this.#subscribeConversation(topic, entry);
        this.#updateState();
      }, seconds * 1000 + Math.random() * 500);
      this.#updateState();
      entry.handler({ type: "refused", topic, error, retryIn: seconds });
      return;
    }
    this.topics.delete(topic);
    this.#updateState();
    entry.handler({ type: "refused", topic, error });
  }

  /** The state pages show (see the top of this file); onState hears every change. */
  #updateState() {
    let state = this.socketState;
    if (state === "open") {
      for (const entry of this.topics.values()) {
        if (!entry.conversation) continue;
        if (entry.retryTimer !== null) {
          state = "paused";
          break;
        }
        if (!entry.synced) state = "syncing";
      }
    }
    if (state === this.state) return;
    this.state = state;
    this.onState(state);
  }

  #setState(state) {
    this.socketState = state;
    this.#updateState();
  }

  #stopTimers() {
    clearTimeout(this.pingTimer);
    clearTimeout(this.pongTimer);
    clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = null;
  }

  async #connect() {
    this.timer = null;
    if (!this.started) return;
    this.connecting = true;
    if (this.attempt > 0 && this.beforeReconnect) {
      try {
        await this.beforeReconnect(!this.lastOpened);
      } catch {
        // The server may still be down; the WebSocket attempt below finds out and backs off.
      }
    }
    this.connecting = false;
    if (!this.started) return;
    const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws";
    let socket;
    try {
      socket = new WebSocket(url, "lastword.v1");
    } catch {
      this.#scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.lastOpened = false;
    const generation = ++this.generation;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.attempt = 0;
      this.lastOpened = true;
      document.body.dataset.wsOpen = "true";
      for (const [topic, entry] of this.topics) {
        entry.resyncAt = -Infinity;
        if (entry.conversation) this.#subscribeConversation(topic, entry);
        else this.#send(this.#subscription(topic, entry));
      }
      for (const entry of this.pending.values()) {
        if (!this.#maySend(entry.message)) continue;
        entry.generation = generation;
        this.#send(entry.message);
      }
      this.#setState("open");
      this.#schedulePing();
      if (this.keepAliveMs > 0) {
        this.keepAliveTimer = setInterval(() => {
          if (this.socket === socket && this.isOpen) this.#send({ type: "ping" });
        }, this.keepAliveMs);
      }
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      this.#schedulePing();
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      this.#receive(message, generation);
    };
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      delete document.body.dataset.wsOpen;
      this.#stopTimers();
      for (const [topic, entry] of this.topics) if (entry.conversation) this.#forget(topic, entry);
      if (!this.started) return;
      this.#setState("reconnecting");
      this.#scheduleReconnect();
    };
    socket.onerror = () => {
      // onclose follows and reconnects.
    };
  }

  #scheduleReconnect() {
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** this.attempt);
    this.attempt += 1;
    const delay = ceiling / 2 + Math.random() * (ceiling / 2); // "equal jitter": never 0, never in lockstep
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.#connect(), delay);
  }

  /** A quiet socket may be dead (a phone changed networks): ping it, and drop it if nothing comes back. */
  #schedulePing() {
    clearTimeout(this.pingTimer);
    clearTimeout(this.pongTimer);
    const socket = this.socket;
    this.pingTimer = setTimeout(() => {
      if (this.socket !== socket || !this.isOpen) return;
      this.#send({ type: "ping" });
      this.pongTimer = setTimeout(() => {
        if (this.socket === socket) socket.close(4001, "no answer");
      }, PONG_TIMEOUT_MS);
    }, PING_EVERY_MS);
  }

  #receive(message, generation) {
    if (CONVERSATION_TYPES.has(message.type)) {
      const entry = this.topics.get(message.topic);
      if (!entry?.conversation) return;
      const seq = message.type === "entry" ? message.entry?.seq : message.type === "caught_up" ? message.seq : null;
      if (Number.isInteger(seq) && seq > entry.seq) entry.seq = seq;
      if (message.type === "caught_up" || message.type === "subscribed") {
        if (entry.awaiting) this.subscriptions.delete(entry.awaiting);
        entry.awaiting = null;
        entry.synced = true;
        this.#updateState();
        document.body.dataset.liveSynced = "true";
      }
      entry.handler(message);
      if (message.type === "caught_up") this.#flushPosts(message.topic);
      return;
    }
    switch (message.type) {
      case "snapshot": {
        const entry = this.topics.get(message.topic);
        if (!entry) return;
        // A snapshot always wins: after a server restart its seq may be lower than the last one seen.
        entry.seq = message.seq;
        entry.epoch = message.epoch;
        entry.resyncAt = -Infinity;
        entry.handler({ type: "snapshot", seq: message.seq, data: message.data });
        document.body.dataset.liveSynced = "true"; // the page shows live data (tests wait for it)
        return;
      }
      case "delta": {
        const entry = this.topics.get(message.topic);
        if (!entry || entry.seq === null) return; // the snapshot is on its way
        // Another run of the server numbers its deltas afresh: only a snapshot fits what the page has.
        const otherRun = message.epoch !== entry.epoch;
        if (!otherRun && message.seq <= entry.seq) return;
        if (otherRun || message.seq > entry.seq + 1) {
          // Missed deltas: ask for them (once per few seconds while they are on their way).
          const now = performance.now();
          if (now - entry.resyncAt > RESYNC_RETRY_MS) {
            entry.resyncAt = now;
            this.#send({ type: "subscribe", topic: message.topic, since: entry.seq, epoch: entry.epoch });
          }
          return;
        }
        entry.seq = message.seq;
        entry.resyncAt = -Infinity;
        entry.handler({ type: "delta", seq: message.seq, data: message.data });
        return;
      }
      case "ack": {
        const entry = this.pending.get(message.id);
        if (!entry) return;
        this.pending.delete(message.id);
        entry.resolve(message);
        return;
      }
      case "error": {
        const error = new LiveError(message.error, message.message, message.retryAfter ?? null);
        // A refused conversation subscription: by its id, or (a server that leaves the id out) the oldest one
        // still unanswered, for a code a subscription can be refused with.
        let refusedTopic = message.id != null ? this.subscriptions.get(message.id) : undefined;
        if (refusedTopic === undefined && message.id == null && SUBSCRIBE_ERRORS.has(message.error)) {
          refusedTopic = this.subscriptions.values().next().value;
        }
        if (refusedTopic !== undefined) {
          this.subscriptions.delete(message.id);
          this.#refused(refusedTopic, error);
          return;
        }
        let entry = message.id != null ? this.pending.get(message.id) : undefined;
        let id = message.id;
        if (!entry && message.id == null && WRITE_ERRORS.has(message.error)) {
          // A write refused at commit time may come back with "id": null. Writes of one connection complete in
          // order, so it is the oldest rating, like or withdrawal sent on this socket — never a conversation's
          // `post` (the server always echoes its id), so a limit on something else never lands on a message.
          for (const [candidateID, candidate] of this.pending) {
            if (candidate.generation === generation && IDLESS_WRITES.has(candidate.message.type)) {
              entry = candidate;
              id = candidateID;
              break;
            }
          }
        }
        if (entry) {
          this.pending.delete(id);
          entry.reject(error);
        } else {
          this.onError(error);
        }
        return;
      }
      case "mine":
        this.onMine(message);
        return;
      default:
        return; // pong, or a type this page does not know
    }
  }
}

/**
 * The board's projects after an update: a snapshot replaces them; a delta carries, for each project that changed,
 * only the fields that changed, which replace those fields.
 */
export function mergeProjects(current, update, type) {
  if (type === "snapshot") return update ?? {};
  const merged = { ...current };
  for (const [slug, fields] of Object.entries(update ?? {})) merged[slug] = { ...merged[slug], ...fields };
  return merged;
}
