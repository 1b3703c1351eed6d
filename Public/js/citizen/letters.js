// The citizen's letters as this browser remembers them (localStorage), so that "my letters" lists their codes even
// when the cookie is gone; GET /api/threads/mine adds what the server knows for this cookie.

const STORAGE_KEY = "lastword.letters";
const MAX_LETTERS = 50;

/** The remembered letters, newest first: [{code, subject, kind, status, createdAt, updatedAt}]. */
export function rememberedLetters() {
  try {
    const list = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? "[]");
    return Array.isArray(list) ? list.filter((item) => item && typeof item.code === "string") : [];
  } catch {
    return [];
  }
}

/** Remembers (or refreshes) a letter from a CitizenThread. */
export function rememberLetter(thread) {
  if (!thread?.code) return;
  const letters = rememberedLetters().filter((item) => item.code !== thread.code);
  const known = rememberedLetters().find((item) => item.code === thread.code) ?? {};
  letters.unshift({
    code: thread.code,
    subject: thread.subject ?? known.subject ?? "",
    kind: thread.kind ?? known.kind ?? null,
    status: thread.status ?? known.status ?? null,
    createdAt: thread.createdAt ?? known.createdAt ?? Date.now(),
    updatedAt: thread.updatedAt ?? known.updatedAt ?? thread.createdAt ?? Date.now(),
  });
  letters.sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(letters.slice(0, MAX_LETTERS)));
  } catch {
    // Storage unavailable (private mode): the code is still on the screen.
  }
}

/** The remembered letters with the server's list merged in (the server's fields win), newest first. */
export function mergeLetters(remembered, fromServer) {
  const byCode = new Map(remembered.map((item) => [item.code, item]));
  for (const thread of fromServer ?? []) {
    if (!thread?.code) continue;
    byCode.set(thread.code, { ...byCode.get(thread.code), ...thread });
  }
  return [...byCode.values()].sort((a, b) => (b.createdAt ?? 0) - (a.createdAt ?? 0));
}
