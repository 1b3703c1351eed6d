// Every UI string in Chinese (the default) and English, the current language, and the switch between them.
// The choice is kept in localStorage and sets <html lang>. Campaign texts come from the server as {zh, en}.

const STORAGE_KEY = "lastword.lang";
export const LANGS = ["zh", "en"];

const STRINGS = {
  zh: {
    "brand": "民生实事 · 你说了算",
    "brand.short": "你说了算",
    "lang.switch": "English",
    "lang.switchLabel": "Switch to English",
    "skip": "跳到主要内容",
    "loading": "正在加载…",
    "loadFailed": "页面数据加载失败：{reason}",

    "state.open": "评价进行中",
    "state.upcoming": "尚未开始",
    "state.closed": "评价已结束",
    "window": "评价时间：{from} 至 {to}",
    "window.short": "{from} – {to}",

    "stat.participants": "参与人数",
    "stat.ratings": "评价总数",
    "stat.likes": "点赞",
    "stat.average": "平均满意度",
    "stat.watchers": "正在关注",
    "avg.outOf": "满分 5 分",
    "dist.title": "满意度分布",
    "dist.item": "{label} {count}",
    "watching": "{n} 人正在看",

    "live.connecting": "正在连接实时数据…",
    "live.open": "实时更新",
    "live.reconnecting": "连接中断，正在重新连接…",
    "live.paused": "实时更新暂停，{n} 秒后重试…",
    "live.pausedShort": "实时更新暂停，稍后自动重试…",

    "nav.home": "全部项目",
    "nav.board": "实时大屏",
    "nav.policy": "评价规则与隐私",
    "nav.poster": "项目海报",
    "nav.links": "相关链接",
    "nav.pubMessages": "公开留言板",
    "nav.pubFigures": "公开数据",
    "footer.privacy": "匿名参与：不收集姓名和手机号。意见建议由项目的负责部门和市长办公室阅处，不会公开。",

    "home.projects": "民生实事项目",
    "home.totals": "活动总体情况",
    "home.intro": "扫描公共场所张贴的二维码，或在下方选择项目，查看完成情况并为它打分。",
    "home.open": "查看并评价",
    "home.poster": "海报",
    "home.none": "暂无评价活动。",

    "project.department": "责任单位",
    "project.summary": "项目简介",
    "project.promised": "承诺内容",
    "project.done": "完成情况",
    "project.figures": "关键数据",
    "project.live": "实时评价",
    "project.rate": "我来评价",
    "project.jump": "我来评价 ↓",
    "project.question": "您对这个项目的完成情况满意吗？",
    "project.suggestion": "意见建议（选填）",
    "project.suggestionHint": "建议由项目的负责部门和市长办公室阅处，不会公开展示。",
    "project.suggestionPlaceholder": "例如：希望放学时段加开班次",
    "project.counter": "{n} / {max}",
    "project.counterOver": "已超出 {n} 字",
    "project.counterOver.one": "已超出 {n} 字",
    "project.submit": "提交评价",
    "project.update": "更新我的评价",
    "project.sending": "正在提交…",
    "project.queued": "网络中断，连接恢复后将自动提交…",
    "project.thanks": "感谢您的评价！已记录：{level}。",
    "project.mine": "您的评价：{level}",
    "project.mineNone": "您还没有评价这个项目。",
    "project.mineSuggestion": "您的建议：{text}",
    "project.chooseLevel": "请先选择满意程度。",
    "project.like": "点赞",
    "project.liked": "已点赞",
    "project.likeCount": "{n} 人点赞",
    "project.likeSending": "正在提交…",
    "project.closedForm": "当前不在评价时间内，暂不能评价。",
    "project.notFound": "未找到这个项目，请检查二维码或链接。",
    "project.levelValue": "{level}（{n} 分）",
    "project.youAreAnonymous": "匿名评价，评价时间内可随时修改或撤回。",

    "board.title": "实时看板",
    "board.cta": "扫描各项目海报上的二维码参与评价",
    "board.legend": "满意度",
    "board.participantsShort": "人参与",
    "board.avgShort": "平均分",
    "board.likesShort": "点赞",
    "board.sort": "排序",
    "board.sort.campaign": "项目顺序",
    "board.sort.average": "平均分",
    "board.sort.participants": "参与人数",
    "board.sort.likes": "点赞数",
    "board.rank.average": "平均分第 {n} 名",
    "board.rank.participants": "参与人数第 {n} 名",
    "board.rank.likes": "点赞数第 {n} 名",
    "board.scan": "扫码评价",
    "board.qrAlt": "扫码评价的二维码，打开 {url}",
    "board.closed": "评价已结束 · 最终结果",
    "board.upcoming": "评价尚未开始 · {opens} 开始",
    "board.history": "评价走势",
    "board.history.participants": "参与人数",
    "board.history.average": "平均分",
    "board.history.empty": "暂无走势数据",
    "board.history.text": "{label}：{from} {first}，{to} {last}",
    "board.summary": "参与人数 {participants}，评价总数 {ratings}，点赞 {likes}",

    "poster.qrAlt": "项目“{title}”的评价二维码，打开 {url}",
    "poster.urlLabel": "或在浏览器中打开：",
    "poster.steps": "查看完成情况 · 选择满意程度 · 留下您的建议",
    "poster.privacy": "匿名参与，建议由负责部门和市长办公室阅处，不会公开。",
    "poster.print": "打印海报",
    "poster.printHint": "使用 A4 纸纵向打印，每个项目一页。",

    "policy.title": "评价规则与隐私说明",
    "policy.intro": "“民生实事 · 你说了算”请市民为政府的年度民生实事项目打分。为了让结果真实可信，平台遵循以下规则。",
    "policy.howTitle": "如何评价",
    "policy.how1": "每个项目可以评价一次，按全国政务服务“好差评”五级标准：{levels}。",
    "policy.how2": "在评价时间内可以随时修改或撤回自己的评价，以最后一次为准；也可以为项目点赞或取消点赞。",
    "policy.how3": "意见建议为选填，最多 {max} 字。",
    "policy.limitsTitle": "防刷规则",
    "policy.limitsIntro": "为防止刷票，平台对提交频率设有上限（数值来自服务器当前配置）：",
    "policy.perCitizen": "每位访客：平均每秒最多 {rate} 次评价或点赞，短时最多连续 {burst} 次。",
    "policy.perIP": "每个网络地址（IP）：平均每秒最多 {rate} 次，短时最多连续 {burst} 次。同一小区或同一运营商网络下的许多市民可能共用一个地址，因此这一上限较宽。",
    "policy.newCitizens": "每个网络地址每小时最多产生 {n} 个新的匿名访客标识。",
    "policy.limitsNote": "超出上限时，页面会提示您稍候多少秒再试，已经提交的评价不受影响。",
    "policy.storedTitle": "我们保存什么",
    "policy.stored1": "一个随机生成的匿名访客标识，保存在经过签名的 Cookie 中（有效期 {days} 天），用来在这个浏览器里认出您的评价：再次评价会修改原来的评价，而不会多算一次。它不包含姓名、手机号或任何身份信息。",
    "policy.stored2": "您对各项目的评价等级、点赞，以及提交的时间。",
    "policy.stored3": "您填写的意见建议。建议由项目的负责部门和市长办公室阅处，用于改进工作，绝不公开展示；公开的只有人数、平均分、分布和点赞数。",
    "policy.stored4": "为执行上述防刷上限，服务器会短暂使用您的网络地址计数，但不与评价一起保存。",
    "policy.followTitle": "差评必回应",
    "policy.follow": "“{level2}”和“{level1}”的评价及其建议，会按项目和责任单位整理，交由相关部门逐条核实、跟进和整改。",
    "policy.back": "返回项目列表",
    "policy.loadingLimits": "正在读取当前上限…",

    "err.request.invalid": "请求格式有误，请刷新页面后重试。",
    "err.request.unknown_type": "页面版本过旧，请刷新页面。",
    "err.request.invalid_id": "请求编号无效，请刷新页面后重试。",
    "err.request.id_reused": "这个请求编号已被其他操作使用，请重新提交。",
    "err.rating.invalid_level": "请选择 1 到 5 之间的满意程度。",
    "err.rating.suggestion_too_long": "意见建议最多 {max} 字，请删减后再提交。",
    "err.project.not_found": "未找到这个项目。",
    "err.campaign.not_found": "未找到这个评价活动。",
    "err.campaign.not_open": "评价尚未开始，开始时间：{opens}。",
    "err.campaign.closed": "评价已结束，感谢您的关注。",
    "err.citizen.missing": "正在为您生成匿名访客标识，请稍后再提交一次。",
    "err.citizen.invalid": "您的访客标识已失效，已为您重新生成，请再提交一次。",
    "err.limit.rate": "操作过于频繁，请 {wait}后再试。",
    "err.limit.new_citizens": "当前网络的新访客过多，请 {wait}后再试。",
    "err.limit.topics": "同时打开的实时数据过多，请刷新页面。",
    "err.topic.not_found": "实时数据不存在，请刷新页面。",
    "err.server.busy": "服务器繁忙，请稍后再试。",
    "err.network": "网络连接失败，请检查网络后重试。",
    "err.unknown": "出现错误（{code}），请稍后再试。",
    "wait.seconds": "{n} 秒",
    "wait.minutes": "{n} 分钟",

    // Citizen pages (campaign switcher, closed/upcoming notices, withdraw, archive, posters, 404).
    "campaign.notFound": "未找到这个评价活动，请检查链接是否完整。",
    "campaign.goCurrent": "查看当前的评价活动",
    "campaign.switcher": "选择评价活动",
    "nav.archive": "往期评价结果",
    "home.closedTitle": "评价已结束",
    "home.closedText": "本次评价已于 {closes} 结束，感谢参与。以下是最终结果。",
    "home.upcomingTitle": "评价尚未开始",
    "home.upcomingText": "评价将于 {opens} 开始，届时可以为各个项目打分。",
    "home.seeResults": "查看结果",
    "home.seeProject": "查看项目",
    "project.closedTitle": "评价已结束",
    "project.closedText": "这个项目的评价已于 {closes} 结束，不再接受评价。以下是最终结果。",
    "project.upcomingTitle": "评价尚未开始",
    "project.upcomingText": "评价将于 {opens} 开始，届时打开本页即可评价。",
    "project.results": "最终结果",
    "project.rateClosed": "您的评价",
    "project.withdraw": "撤回评价",
    "project.withdrawAsk": "确定撤回您对这个项目的评价吗？撤回后，您的评价和建议不再计入结果；评价时间内可以重新评价。",
    "project.withdrawConfirm": "确认撤回",
    "project.withdrawCancel": "取消",
    "project.withdrawing": "正在撤回…",
    "project.withdrawn": "已撤回您的评价。",
    "project.announce": "{participants} 人参与，平均 {average} 分",
    "project.announceNone": "{participants} 人参与，暂无平均分",
    "err.rating.not_found": "您在这个项目上没有可撤回的评价。",
    "err.http.forbidden_origin": "请求来自其他网站，已被拒绝。请直接打开本站页面再试。",
    "poster.warnLoopback": "注意：这个二维码指向 {url}，这是本机地址，本机以外的手机扫码后无法打开。请在服务器配置中设置 site.publicBaseUrl（市民手机能访问的网址）后再打印。",
    "poster.warnPrivate": "注意：这个二维码指向 {url}，这是内部网络地址，本网络以外的手机扫码后无法打开。请在服务器配置中设置 site.publicBaseUrl（市民手机能访问的网址）后再打印。",
    "poster.results": "最终结果：{participants} 人参与，平均满意度 {average} 分（满分 5 分）",
    "poster.opens": "评价将于 {opens} 开始",
    "poster.resultsNone": "最终结果：{participants} 人参与",
    "poster.all": "打印全部海报",
    "posters.title": "全部项目海报",
    "posters.hint": "共 {n} 张海报。使用 A4 纸纵向打印，每个项目一页。",
    "posters.print": "全部打印",
    "archive.title": "往期评价结果",
    "archive.intro": "已经结束的评价活动及其最终结果。",
    "archive.none": "还没有已经结束的评价活动。",
    "archive.open": "查看活动页面",
    "archive.project": "项目",
    "archive.totals": "{participants} 人参与 · {ratings} 条评价 · {likes} 个赞",
    "notFound.title": "页面不存在",
    "notFound.text": "您要打开的页面不存在，可能是链接或二维码有误，或者页面已被移除。",
    "notFound.home": "返回首页",
    "notFound.path": "您打开的地址：{path}",
    "policy.cookieTitle": "Cookie 能做到和做不到的",
    "policy.cookie": "匿名访客标识能防止同一个浏览器重复计数：在同一浏览器里再次评价，只会修改原来的评价。但它不能阻止有人清除 Cookie、使用无痕模式，或换用多个浏览器、多台设备再次评价。这类重复由上面的每个网络地址（IP）的频率上限和新访客数量上限加以约束：它们限制一个地址能产生多少新访客和多少次评价，但不能完全杜绝。",
  },
  en: {
    "brand": "Livelihood Projects · You Have the Last Word",
    "brand.short": "You Have the Last Word",
    "lang.switch": "中文",
    "lang.switchLabel": "切换到中文",
    "skip": "Skip to main content",
    "loading": "Loading…",
    "loadFailed": "The page could not load its data: {reason}",

    "state.open": "Open for rating",
    "state.upcoming": "Not open yet",
    "state.closed": "Rating closed",
    "window": "Rating period: {from} to {to}",
    "window.short": "{from} – {to}",

    "stat.participants": "Participants",
    "stat.ratings": "Ratings",
    "stat.likes": "Likes",
    "stat.average": "Average satisfaction",
    "stat.watchers": "Watching now",
    "avg.outOf": "out of 5",
    "dist.title": "Satisfaction breakdown",
    "dist.item": "{label} {count}",
    "watching": "{n} watching now",

    "live.connecting": "Connecting to live updates…",
    "live.open": "Live",
    "live.reconnecting": "Connection lost, reconnecting…",
    "live.paused": "Live updates paused; retrying in {n} s…",
    "live.pausedShort": "Live updates paused; retrying shortly…",

    "nav.home": "All projects",
    "nav.board": "Live board",
    "nav.policy": "Rules and privacy",
    "nav.poster": "Project poster",
    "nav.links": "Related links",
    "nav.pubMessages": "Public replies",
    "nav.pubFigures": "Openness figures",
    "footer.privacy": "Anonymous: no name or phone number is collected. Suggestions are read by the department responsible for the project and the mayor's office, and are never published.",

    "home.projects": "Livelihood projects",
    "home.totals": "Campaign overview",
    "home.intro": "Scan a QR code posted in public places, or pick a project below, to see what was done and rate it.",
    "home.open": "See and rate",
    "home.poster": "Poster",
    "home.none": "There is no campaign yet.",

    "project.department": "Responsible department",
    "project.summary": "About the project",
    "project.promised": "What was promised",
    "project.done": "What was done",
    "project.figures": "Key figures",
    "project.live": "Live results",
    "project.rate": "Rate this project",
    "project.jump": "Rate it ↓",
    "project.question": "How satisfied are you with what was done?",
    "project.suggestion": "Suggestion (optional)",
    "project.suggestionHint": "Read by the department responsible and the mayor's office; never shown publicly.",
    "project.suggestionPlaceholder": "For example: more buses after school",
    "project.counter": "{n} / {max}",
    "project.counterOver": "{n} characters too many",
    "project.counterOver.one": "{n} character too many",
    "project.submit": "Submit rating",
    "project.update": "Update my rating",
    "project.sending": "Sending…",
    "project.queued": "Offline — your rating will be sent when the connection is back…",
    "project.thanks": "Thank you! Recorded: {level}.",
    "project.mine": "Your rating: {level}",
    "project.mineNone": "You have not rated this project yet.",
    "project.mineSuggestion": "Your suggestion: {text}",
    "project.chooseLevel": "Please choose a level first.",
    "project.like": "Like",
    "project.liked": "Liked",
    "project.likeCount": "{n} likes",
    "project.likeSending": "Sending…",
    "project.closedForm": "Rating is not open at the moment.",
    "project.notFound": "This project was not found; please check the QR code or link.",
    "project.levelValue": "{level} ({n}/5)",
    "project.youAreAnonymous": "Anonymous; while rating is open you can change or withdraw your rating at any time.",

    "board.title": "Live board",
    "board.cta": "Scan the QR code on each project's poster to rate it",
    "board.legend": "Satisfaction",
    "board.participantsShort": "participants",
    "board.avgShort": "average",
    "board.likesShort": "likes",
    "board.sort": "Sort",
    "board.sort.campaign": "Campaign order",
    "board.sort.average": "Average",
    "board.sort.participants": "Participants",
    "board.sort.likes": "Likes",
    "board.rank.average": "No. {n} by average",
    "board.rank.participants": "No. {n} by participants",
    "board.rank.likes": "No. {n} by likes",
    "board.scan": "Scan to rate",
    "board.qrAlt": "QR code to rate: opens {url}",
    "board.closed": "Evaluation closed · final results",
    "board.upcoming": "Not open yet · opens {opens}",
    "board.history": "Over time",
    "board.history.participants": "Participants",
    "board.history.average": "Average",
    "board.history.empty": "No history yet",
    "board.history.text": "{label}: {first} at {from}, {last} at {to}",
    "board.summary": "{participants} participants, {ratings} ratings, {likes} likes",

    "poster.qrAlt": "QR code to rate “{title}”: opens {url}",
    "poster.urlLabel": "Or open in a browser:",
    "poster.steps": "See what was done · Choose your satisfaction · Leave a suggestion",
    "poster.privacy": "Anonymous. Suggestions are read by the department responsible and the mayor's office, and are never published.",
    "poster.print": "Print poster",
    "poster.printHint": "Print on A4 paper, portrait: one page per project.",

    "policy.title": "Rating rules and privacy",
    "policy.intro": "“You Have the Last Word” asks residents to rate the government's yearly livelihood projects. To keep the results honest, the site follows these rules.",
    "policy.howTitle": "How rating works",
    "policy.how1": "You can rate each project once, on the national five-level government-service scale: {levels}.",
    "policy.how2": "While rating is open you can change or withdraw your rating at any time; the last one counts. You can also like a project or take the like back.",
    "policy.how3": "A suggestion is optional, up to {max} characters.",
    "policy.limitsTitle": "Limits against ballot stuffing",
    "policy.limitsIntro": "To stop automated voting, the number of actions is capped (values from the server's current settings):",
    "policy.perCitizen": "Per visitor: at most {rate} ratings or likes per second on average, and {burst} in a short burst.",
    "policy.perIP": "Per network address (IP): at most {rate} per second on average, and {burst} in a short burst. Many residents can share one address behind a mobile carrier or a housing estate's network, so this cap is generous.",
    "policy.newCitizens": "At most {n} new anonymous visitor ids per network address per hour.",
    "policy.limitsNote": "When a cap is reached the page tells you how many seconds to wait; ratings already made are not affected.",
    "policy.storedTitle": "What we store",
    "policy.stored1": "An anonymous random visitor id, in a signed cookie (kept {days} days), which recognises your ratings in this browser: rating again changes your rating instead of adding another. It holds no name, phone number or other personal data.",
    "policy.stored2": "Your rating of each project and your likes, with the time they were made.",
    "policy.stored3": "Your suggestions. They are read by the department responsible for the project and the mayor's office to improve the work, and are never shown publicly; only counts, averages, the breakdown and likes are public.",
    "policy.stored4": "To enforce the caps above the server briefly counts actions per network address, but does not store it with your rating.",
    "policy.followTitle": "Low ratings are followed up",
    "policy.follow": "Ratings of “{level2}” and “{level1}” and their suggestions are collected per project and department and passed to the departments responsible, who check, follow up and fix them one by one.",
    "policy.back": "Back to all projects",
    "policy.loadingLimits": "Reading the current limits…",

    "err.request.invalid": "The request was not valid; please reload the page and try again.",
    "err.request.unknown_type": "This page is out of date; please reload it.",
    "err.request.invalid_id": "The request id was not valid; please reload the page and try again.",
    "err.request.id_reused": "This request id was already used for another action; please submit again.",
    "err.rating.invalid_level": "Please choose a level from 1 to 5.",
    "err.rating.suggestion_too_long": "A suggestion can have at most {max} characters; please shorten it.",
    "err.project.not_found": "This project was not found.",
    "err.campaign.not_found": "This campaign was not found.",
    "err.campaign.not_open": "Rating has not opened yet; it opens {opens}.",
    "err.campaign.closed": "Rating has closed. Thank you for your interest.",
    "err.citizen.missing": "Your anonymous visitor id is being set up; please submit once more.",
    "err.citizen.invalid": "Your visitor id was no longer valid and a new one was issued; please submit once more.",
    "err.limit.rate": "Too many actions; please try again in {wait}.",
    "err.limit.new_citizens": "Too many new visitors from this network; please try again in {wait}.",
    "err.limit.topics": "Too many live views are open; please reload the page.",
    "err.topic.not_found": "This live view does not exist; please reload the page.",
    "err.server.busy": "The server is busy; please try again shortly.",
    "err.network": "Network error; please check your connection and try again.",
    "err.unknown": "Something went wrong ({code}); please try again later.",
    "wait.seconds": "{n} s",
    "wait.minutes": "{n} min",

    // Citizen pages (campaign switcher, closed/upcoming notices, withdraw, archive, posters, 404).
    "campaign.notFound": "This campaign was not found; please check that the link is complete.",
    "campaign.goCurrent": "Go to the current campaign",
    "campaign.switcher": "Choose a campaign",
    "nav.archive": "Past campaigns",
    "home.closedTitle": "Evaluation has closed",
    "home.closedText": "This campaign's evaluation closed on {closes}. Thank you for taking part; these are the final results.",
    "home.upcomingTitle": "Evaluation has not opened yet",
    "home.upcomingText": "Evaluation opens on {opens}; from then you can rate each project.",
    "home.seeResults": "See the results",
    "home.seeProject": "See the project",
    "project.closedTitle": "Evaluation has closed",
    "project.closedText": "Evaluation of this project closed on {closes}; no more ratings are taken. These are the final results.",
    "project.upcomingTitle": "Evaluation has not opened yet",
    "project.upcomingText": "Evaluation opens on {opens}; open this page again then to rate it.",
    "project.results": "Final results",
    "project.rateClosed": "Your rating",
    "project.withdraw": "Withdraw my rating",
    "project.withdrawAsk": "Withdraw your rating of this project? It and your suggestion will no longer count; you can rate again while rating is open.",
    "project.withdrawConfirm": "Yes, withdraw it",
    "project.withdrawCancel": "Cancel",
    "project.withdrawing": "Withdrawing…",
    "project.withdrawn": "Your rating was withdrawn.",
    "project.announce": "{participants} participants, average {average}",
    "project.announceNone": "{participants} participants, no average yet",
    "err.rating.not_found": "You have no rating of this project to withdraw.",
    "err.http.forbidden_origin": "The request came from another site and was refused; open this site's page directly and try again.",
    "poster.warnLoopback": "Warning: this QR code points at {url}, a loopback address: phones outside this machine cannot open it. Set site.publicBaseUrl in the server's configuration (the address residents' phones can reach) before printing.",
    "poster.warnPrivate": "Warning: this QR code points at {url}, a private network address: phones outside this network cannot open it. Set site.publicBaseUrl in the server's configuration (the address residents' phones can reach) before printing.",
    "poster.results": "Final results: {participants} participants, average satisfaction {average} out of 5",
    "poster.opens": "Rating opens {opens}",
    "poster.resultsNone": "Final results: {participants} participants",
    "poster.all": "Print all posters",
    "posters.title": "All project posters",
    "posters.hint": "{n} posters. Print on A4 paper, portrait: one page per project.",
    "posters.print": "Print all",
    "archive.title": "Past campaigns",
    "archive.intro": "Campaigns whose evaluation has closed, with their final results.",
    "archive.none": "No campaign has closed yet.",
    "archive.open": "Open the campaign page",
    "archive.project": "Project",
    "archive.totals": "{participants} participants · {ratings} ratings · {likes} likes",
    "notFound.title": "Page not found",
    "notFound.text": "The page you tried to open does not exist: the link or QR code may be wrong, or the page was removed.",
    "notFound.home": "Go to the home page",
    "notFound.path": "The address you opened: {path}",
    "policy.cookieTitle": "What a cookie can and cannot do",
    "policy.cookie": "The anonymous visitor id stops double counting from one browser: rating again in the same browser only changes your rating. It cannot stop someone who clears their cookies, uses a private window, or uses several browsers or devices from rating again. The per-address (IP) limits and the cap on new visitors per address above bound how much of that one address can do, but cannot rule it out.",
  },
};

/**
 * Adds a page family's strings ({zh: {...}, en: {...}}) to the table: the direct line's citizen and staff pages keep
 * theirs in their own modules and register them when imported (before the page calls setupLanguage). A key already
 * present is a mistake, not an override.
 */
export function addStrings(tables) {
  for (const l of LANGS) {
    for (const [key, text] of Object.entries(tables[l] ?? {})) {
      if (key in STRINGS[l]) console.warn(`i18n: ${l} string ${key} defined twice`);
      STRINGS[l][key] = text;
    }
  }
}

/** Whether a string exists (in the current language or the Chinese default). */
export function hasString(key) {
  return key in (STRINGS[current] ?? {}) || key in STRINGS.zh;
}

function initialLang() {
  const fromURL = new URLSearchParams(location.search).get("lang");
  if (fromURL && LANGS.includes(fromURL)) return fromURL;
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    if (stored && LANGS.includes(stored)) return stored;
  } catch {
    // Storage may be unavailable (private mode); the default applies.
  }
  return "zh";
}

let current = initialLang();
const listeners = new Set();

export function lang() {
  return current;
}

/** The BCP 47 tag for <html lang> and Intl. */
export function locale(l = current) {
  return l === "zh" ? "zh-CN" : "en";
}

/** A UI string with {name} placeholders filled from params. */
export function t(key, params = {}) {
  const table = STRINGS[current] ?? STRINGS.zh;
  let text = table[key] ?? STRINGS.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (match, name) => (name in params ? String(params[name]) : match));
}

/** A server text {zh, en} in the current language, falling back to the other. */
export function pick(text) {
  if (text == null) return "";
  if (typeof text === "string") return text;
  return text[current] ?? text.zh ?? text.en ?? "";
}

/** Fills every element marked with data-i18n (textContent) and data-i18n-<attr> (that attribute). */
export function applyTranslations(root = document) {
  document.documentElement.lang = locale();
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const attr of ["aria-label", "title", "placeholder", "alt"]) {
    const dataKey = "i18n" + attr.replace(/(^|-)(\w)/g, (_, __, c) => c.toUpperCase());
    for (const el of root.querySelectorAll(`[data-i18n-${attr}]`)) el.setAttribute(attr, t(el.dataset[dataKey]));
  }
}

export function setLang(next) {
  if (!LANGS.includes(next) || next === current) return;
  current = next;
  try {
    localStorage.setItem(STORAGE_KEY, next);
  } catch {
    // Not persisted; the page still switches.
  }
  applyTranslations();
  for (const listener of listeners) listener(current);
}

export function onLangChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Wires every language button on the page (class "lang-toggle") and translates the page once. */
export function setupLanguage() {
  applyTranslations();
  for (const button of document.querySelectorAll(".lang-toggle")) {
    const label = () => {
      button.textContent = t("lang.switch");
      button.lang = current === "zh" ? "en" : "zh-CN";
      button.setAttribute("aria-label", t("lang.switchLabel"));
    };
    label();
    onLangChange(label);
    button.addEventListener("click", () => setLang(current === "zh" ? "en" : "zh"));
  }
}
