// Small DOM helpers shared by the pages.

/** Creates an element with a class and text. */
export function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}

/** "3.2 s", "4 min 10 s", "1 h 02 min". */
export function formatDuration(s) {
  if (s === null || s === undefined || !Number.isFinite(s)) return "–";
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(Math.round(s % 60)).padStart(2, "0")} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min`;
}

/**
 * A local date-time without seconds, "2026-12-04 15:55" (built by hand:
 * the first Intl date format of a page costs 30-60 ms).
 */
export function formatTime(iso) {
  if (!iso) return "–";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${
    p(d.getMinutes())
  }`;
}

/** A coloured status badge. */
export function statusBadge(status) {
  return el("span", `badge status-${status}`, status);
}

/**
 * On click, disables `btn`, shows `busyText` in `msg`, awaits `action()`
 * and shows the text it returns (if any) or its error; the button comes
 * back unless `keepDisabled` (after a success).
 */
export function busyButton(btn, msg, busyText, action, keepDisabled = false) {
  btn.addEventListener("click", async () => {
    btn.disabled = true;
    msg.className = "form-msg small";
    msg.textContent = busyText;
    try {
      const text = await action();
      if (text !== undefined) msg.textContent = text;
      btn.disabled = keepDisabled;
    } catch (e) {
      btn.disabled = false;
      msg.className = "form-msg small error";
      msg.textContent = e.message;
    }
  });
}
