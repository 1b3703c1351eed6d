// How the console tells staff that something arrived: the count of unread letters in the tab's title ("(3) 控制台")
// and, when they switch it on, a short beep made with WebAudio (no audio file). Browsers let a page start audio only
// after a gesture, so the AudioContext is made on a click or key press, never at load.

const SOUND_KEY = "lastword.staff.sound";

let audio = null;
let wanted = false;

try {
  wanted = localStorage.getItem(SOUND_KEY) === "on";
} catch {
  wanted = false;
}

function ensureAudio() {
  if (!wanted) return;
  try {
    audio ??= new AudioContext();
    if (audio.state === "suspended") audio.resume().catch(() => {});
  } catch {
    audio = null; // no WebAudio: the title still counts
  }
}

// A sound switched on in an earlier visit starts working with the first gesture on the page.
for (const type of ["pointerdown", "keydown"]) addEventListener(type, ensureAudio, { capture: true, passive: true });

export function soundOn() {
  return wanted;
}

/** Switches the sound on or off (call it from the toggle's click: a gesture, so audio may start). */
export function setSound(on) {
  wanted = on;
  try {
    localStorage.setItem(SOUND_KEY, on ? "on" : "off");
  } catch {
    // Not remembered; it works for this visit.
  }
  if (on) {
    ensureAudio();
    beep();
  }
}

/** A 180 ms two-tone chime, quiet. */
export function beep() {
  if (!wanted || !audio || audio.state !== "running") return;
  const now = audio.currentTime;
  const gain = audio.createGain();
  gain.gain.setValueAtTime(0.0001, now);
  gain.gain.exponentialRampToValueAtTime(0.12, now + 0.015);
  gain.gain.exponentialRampToValueAtTime(0.0001, now + 0.18);
  gain.connect(audio.destination);
  const tone = audio.createOscillator();
  tone.type = "sine";
  tone.frequency.setValueAtTime(880, now);
  tone.frequency.setValueAtTime(1320, now + 0.08);
  tone.connect(gain);
  tone.start(now);
  tone.stop(now + 0.2);
}

/** The tab's title with the count of unread letters. */
export function setTitle(base, unread) {
  document.title = unread > 0 ? `(${unread}) ${base}` : base;
}
