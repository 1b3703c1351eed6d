// One printable A4 poster (a project, its QR code, what to do), shared by /poster/<slug> and /posters, and the
// check that warns staff before they print a QR code that phones cannot open.

import { lang, pick, t } from "../shared/i18n.js";
import { el, fmtAverage, fmtDateTime, fmtInt, fmtWindow } from "../shared/ui.js";

/**
 * Whether an address is one that phones elsewhere cannot open: "loopback" (this machine: 127.0.0.0/8, localhost,
 * ::1, 0.0.0.0), "private" (this network: 10/8, 172.16/12, 192.168/16, 169.254/16, fc00::/7, fe80::/10, *.local),
 * else null. A QR code on a poster must encode an address residents' phones reach (site.publicBaseUrl).
 */
export function addressKind(url) {
  let host;
  try {
    host = new URL(url).hostname.toLowerCase();
  } catch {
    return null;
  }
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (host.endsWith(".")) host = host.slice(0, -1);
  if (host === "localhost" || host.endsWith(".localhost")) return "loopback";
  if (host === "local" || host.endsWith(".local")) return "private";
  // An IPv4 address mapped into IPv6 (the URL parser writes ::ffff:127.0.0.1 as ::ffff:7f00:1).
  const mapped = host.match(/^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/);
  if (mapped) {
    const high = parseInt(mapped[1], 16);
    const low = parseInt(mapped[2], 16);
    host = [high >> 8, high & 255, low >> 8, low & 255].join(".");
  } else if (host.startsWith("::ffff:")) {
    host = host.slice(7);
  }
  const v4 = host.match(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    if (a === 127 || a === 0) return "loopback";
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254)) return "private";
    return null;
  }
  if (host.includes(":")) {
    if (host === "::1" || host === "::") return "loopback";
    const first = parseInt(host.split(":")[0] || "0", 16);
    if ((first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80) return "private";
  }
  return null;
}

/**
 * Shows in `node` (on screen only: it has class no-print) why the QR codes of these addresses will not work for
 * residents, or hides it. Returns whether it warned.
 */
export function renderAddressWarning(node, urls) {
  const bad = urls.map((url) => ({ url, kind: addressKind(url) })).find((entry) => entry.kind);
  node.hidden = !bad;
  if (!bad) {
    node.textContent = "";
    delete node.dataset.kind;
    return false;
  }
  node.dataset.kind = bad.kind;
  // One address stands for all (the posters of a campaign share their host).
  node.textContent = t(bad.kind === "loopback" ? "poster.warnLoopback" : "poster.warnPrivate", { url: bad.url });
  return true;
}

/** The poster's elements; fill(...) renders a project into them (again after a language change). */
export function createPosterSheet() {
  const sheet = el("article", "poster-sheet");
  const band = el("header", "poster-band");
  const logo = el("img", "poster-logo");
  logo.src = "/img/logo.svg";
  logo.alt = "";
  logo.width = 56;
  logo.height = 56;
  const brandBox = el("div");
  const brand = el("p", "poster-brand");
  const campaignTitle = el("p", "poster-campaign");
  brandBox.append(brand, campaignTitle);
  band.append(logo, brandBox);

  const body = el("div", "poster-body");
  const department = el("p", "poster-department");
  const title = el("h1", "poster-title");
  const titleAlt = el("p", "poster-title-alt");
  const done = el("p", "poster-done");
  const qrWrap = el("div", "poster-qr-wrap");
  const qr = el("img", "poster-qr");
  qr.width = 320;
  qr.height = 320;
  qr.alt = "";
  qrWrap.append(qr);
  // The call to action is printed in both languages whatever the page's language (a poster serves everyone).
  const cta = el("p", "poster-cta");
  const ctaZh = el("span", "cta-zh");
  ctaZh.lang = "zh-CN";
  const ctaSep = el("span", "cta-sep", " · ");
  ctaSep.setAttribute("aria-hidden", "true");
  const ctaEn = el("span", "cta-en");
  ctaEn.lang = "en";
  cta.append(ctaZh, ctaSep, ctaEn);
  const sub = el("p", "poster-sub");
  const steps = el("p", "poster-steps");
  const results = el("p", "poster-results");
  const urlLine = el("p", "poster-url");
  const urlLabel = el("span");
  const urlText = el("span", "url");
  urlLine.append(urlLabel, " ", urlText);
  body.append(department, title, titleAlt, done, qrWrap, cta, sub, steps, results, urlLine);

  const foot = el("footer", "poster-foot");
  const privacy = el("p");
  const period = el("p", "poster-window");
  foot.append(privacy, period);
  sheet.append(band, body, foot);

  /**
   * @param {{campaign, project, url: string, tally?: object, campaignState?: string}} data — campaignState is the
   *   window's state now (closed: the poster invites nothing and shows the final results instead)
   */
  const fill = ({ campaign, project, url, tally, campaignState }) => {
    const other = lang() === "zh" ? "en" : "zh";
    const state = campaignState ?? campaign.state;
    sheet.dataset.slug = project.slug;
    sheet.dataset.state = state;
    brand.textContent = t("brand");
    campaignTitle.textContent = pick(campaign.title);
    department.textContent = pick(project.department);
    title.textContent = pick(project.title);
    titleAlt.textContent = project.title?.[other] ?? "";
    titleAlt.lang = other === "zh" ? "zh-CN" : "en";
    done.textContent = pick(project.done);
    qr.src = `/qr/${encodeURIComponent(project.slug)}.svg`;
    qr.alt = t("poster.qrAlt", { title: pick(project.title), url });
    urlLabel.textContent = t("poster.urlLabel");
    urlText.textContent = url;
    privacy.textContent = t("poster.privacy");
    period.textContent = fmtWindow(campaign);
    if (state === "closed") {
      ctaZh.textContent = "评价已结束";
      ctaEn.textContent = "Evaluation has closed";
      sub.textContent = "扫码查看最终结果 · Scan to see the final results";
      sub.hidden = false;
      steps.hidden = true;
      results.hidden = !tally;
      const participants = fmtInt(tally?.participants ?? 0);
      results.textContent = !tally ? "" : tally.average == null ? t("poster.resultsNone", { participants })
        : t("poster.results", { participants, average: fmtAverage(tally.average) });
    } else {
      ctaZh.textContent = "扫码评价";
      ctaEn.textContent = "Scan to rate";
      sub.hidden = state !== "upcoming";
      sub.textContent = state === "upcoming" ? t("poster.opens", { opens: fmtDateTime(campaign.opensAt, campaign.timeZone) }) : "";
      steps.hidden = false;
      steps.textContent = t("poster.steps");
      results.hidden = true;
      results.textContent = "";
    }
  };

  return { node: sheet, qr, urlText, title, campaignTitle, fill };
}
