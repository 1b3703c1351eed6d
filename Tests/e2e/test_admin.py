"""End to end, in a real Chromium: the administrators' page (/admin) — accounts, departments and screening words
(docs/PROTOCOL.md "Administration (admins)").

One server for the module, with an admin, a clerk of the mayor's office and a moderator (made with `lastword user
add`; the server also made its first admin, `admin`, at its first start); what happens behind a page's back (a
citizen's letter, a signed-in colleague) goes through the HTTP API.

- accounts: an admin adds a staff account with two departments — a weak password refused with the server's own words,
  then a generated one (shown once, copied) — the new user signs in in another browser, the admin disables them and
  their open console is signed out (its next request fails), enables them again and sets a new password (which ends
  their sessions); once the server's first admin is disabled, the only active admin cannot be, and the page shows the
  server's words; Escape cancels a confirmation; the focus is on the line that says what happened after every action;
- the keyboard alone adds and removes a word and opens and closes a panel;
- departments: one added (a malformed id and a taken one refused on the page), a staff account added in it, and it
  renamed; the departments file's are renamed in the file;
- screening words: a block word added, a citizen's letter with it refused, the word removed and the letter going
  through; a hold word flags the letter; the file's words cannot be removed here;
- roles: staff and moderators are told the page is not theirs and the server refuses their requests; the console links
  admins (only) to /admin; signing in comes back to /admin; an admin whose session ends is told so;
- the page at 390×844, 1280×720 and 1920×1080 in Chinese and English, without horizontal overflow.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from conftest import PHONE, LastWordServer
from direct_line_kit import LIMITS, PASSWORD, Client, add_user, citizen_writes, sign_in, staff_client

expect.set_options(timeout=10_000)

DESKTOP = dict(viewport={"width": 1280, "height": 720}, timezone_id="Asia/Shanghai")
WIDE = dict(viewport={"width": 1920, "height": 1080}, timezone_id="Asia/Shanghai")
GENERATED = re.compile(r"^[A-Za-z2-9]{4}(-[A-Za-z2-9]{4}){3}$")


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    server = LastWordServer(tmp_path_factory.mktemp("admin"), extra_config=[LIMITS])
    server.start()
    add_user(server, "boss", "admin", (), "管理员")
    add_user(server, "li.wei", "staff", ("mayors-office",), "李伟")
    add_user(server, "mod.chen", "moderator", (), "陈审核")
    yield server
    server.stop_cleanly()


def page_for(new_context, console, size=DESKTOP, **options) -> Page:
    return console.watch(new_context(locale="zh-CN", **{**size, **options}).new_page())


def sign_in_admin(page: Page, server, name: str = "boss", password: str = PASSWORD) -> None:
    """Opens /admin signed out: the login page (with ?next=/admin) brings the admin back to the page."""
    page.goto(server.url + "/admin")
    page.wait_for_url("**/staff/login?next=%2Fadmin")
    page.locator("#staff-name").fill(name)
    page.locator("#staff-password").fill(password)
    page.locator("#login-submit").click()
    page.wait_for_url(server.url + "/admin")
    page.wait_for_selector('body[data-loaded="true"]')


def user_item(page: Page, name: str):
    return page.locator(f'#users-list .user-item[data-name="{name}"]')


def item_line(item):
    return item.locator(".item-status")


def admin_users(server) -> dict[str, dict]:
    return {u["name"]: u for u in staff_client(server, "boss").ok("GET", "/api/admin/users")["users"]}


def test_accounts_added_disabled_enabled_and_given_a_password(office, new_context, console, results_dir):
    console.allow("status of 400")  # Chromium logs the refused requests (weak passwords, the last admin)
    console.allow("status of 401")  # the disabled clerk's console, refused
    admin = page_for(new_context, console, permissions=["clipboard-read", "clipboard-write"])
    sign_in_admin(admin, office)
    expect(admin.locator("#admin-title")).to_have_text("系统管理")
    expect(admin.locator("#staff-me")).to_have_text("管理员（管理员）")
    expect(user_item(admin, "li.wei")).to_contain_text("部门：市长办公室")
    expect(user_item(admin, "mod.chen")).to_contain_text("不属于部门，可以查看所有部门的来信")
    expect(user_item(admin, "boss").locator(".you-badge")).to_have_text("您")

    # The first admin account the server made at its first start is disabled (a second click, and what it does, first);
    # then the only active admin cannot be disabled, and the server's words are on the item's line.
    first = user_item(admin, "admin")
    first.get_by_role("button", name="停用 admin").click()
    expect(first.locator(".confirm-text")).to_have_text(re.compile("停用后，admin 立即退出登录，不能再登录"))
    first.get_by_role("button", name="确认停用 admin").click()
    expect(item_line(first)).to_have_text("已停用 admin，其所有会话已结束。")
    expect(item_line(first)).to_be_focused()
    expect(first.locator(".standing-badge")).to_have_text("已停用")
    boss = user_item(admin, "boss")
    boss.get_by_role("button", name="停用 boss").click()
    expect(boss.get_by_role("button", name="确认停用 boss")).to_be_focused()
    expect(boss.locator(".confirm-text")).to_contain_text("这是您自己的账号")
    admin.keyboard.press("Escape")  # cancels: the first button again, focused
    expect(boss.get_by_role("button", name="停用 boss")).to_be_focused()
    boss.get_by_role("button", name="停用 boss").click()
    boss.get_by_role("button", name="确认停用 boss").click()
    expect(item_line(boss)).to_contain_text("没有保存。服务器的说明：")
    expect(item_line(boss)).to_contain_text("boss is the only active admin")
    expect(item_line(boss)).to_be_focused()
    expect(boss.locator(".standing-badge")).to_have_text("在用")

    # A new clerk of two departments: staff need one (said on the page), a weak password is refused in the server's words.
    admin.get_by_label("用户名", exact=True).fill("zhou.min")
    admin.get_by_label("显示名称（选填）").fill("周敏")
    expect(admin.get_by_label("角色")).to_have_value("staff")
    admin.get_by_label("初始密码").fill("1234567890")
    admin.get_by_role("button", name="添加账号", exact=True).click()
    expect(admin.locator("#user-form-status")).to_have_text("工作人员至少要属于一个部门，请选择。")
    expect(admin.locator("#user-department-list input").first).to_be_focused()
    admin.get_by_role("checkbox", name="市教育局").check()
    admin.get_by_role("checkbox", name="市交通运输局").check()
    admin.get_by_role("button", name="添加账号", exact=True).click()
    status = admin.locator("#user-form-status")
    expect(status).to_contain_text("没有保存。服务器的说明：")
    expect(status).to_contain_text("a password must not be a run of consecutive keys or characters, like 1234567890")
    expect(status).to_be_focused()
    expect(admin.get_by_label("初始密码")).to_have_attribute("aria-invalid", "true")
    admin.get_by_label("初始密码").fill("zhou.min-summer")
    admin.get_by_role("button", name="添加账号", exact=True).click()
    expect(status).to_contain_text("a password must not contain the user name")

    # A generated password: shown once, copied, then gone after saving.
    admin.get_by_role("button", name="生成高强度密码").click()
    shown = admin.locator("#user-password-value")
    expect(shown).to_be_visible()
    password = shown.inner_text()
    assert GENERATED.match(password), password
    expect(admin.get_by_label("初始密码")).to_have_value(password)
    expect(admin.get_by_label("初始密码")).to_have_attribute("type", "password")
    admin.get_by_role("button", name="复制生成的密码").click()
    expect(admin.locator("#user-password-copied")).to_have_text("已复制到剪贴板。请把它安全地交给本人。")
    assert admin.evaluate("navigator.clipboard.readText()") == password
    admin.screenshot(path=str(results_dir / "admin-generated-password-1280x720.png"))
    admin.get_by_role("button", name="添加账号", exact=True).click()
    expect(status).to_have_text("已添加工作人员账号 zhou.min。请把初始密码安全地交给本人。")
    expect(status).to_be_focused()
    expect(admin.locator("#user-password-generated")).to_be_hidden()
    expect(admin.get_by_label("初始密码")).to_have_value("")
    zhou = user_item(admin, "zhou.min")
    expect(zhou).to_contain_text("周敏")
    expect(zhou).to_contain_text("部门：市教育局、市交通运输局")
    expect(zhou.locator(".standing-badge")).to_have_text("在用")
    assert sorted(admin_users(office)["zhou.min"]["departments"]) == ["education", "transport"]

    # The new clerk signs in, in another browser.
    clerk = page_for(new_context, console)
    sign_in(clerk, office, "zhou.min", password)
    expect(clerk.locator("#staff-me")).to_have_text("周敏（工作人员）")
    expect(clerk.locator("#to-admin")).to_be_hidden()  # the console links admins only

    # Disabled: the clerk's open console is signed out at its next request.
    zhou.get_by_role("button", name="停用 zhou.min").click()
    expect(zhou.locator(".confirm-text")).to_have_text(re.compile("停用后，zhou.min 立即退出登录"))
    zhou.get_by_role("button", name="确认停用 zhou.min").click()
    expect(item_line(zhou)).to_have_text("已停用 zhou.min，其所有会话已结束。")
    expect(item_line(zhou)).to_be_focused()
    expect(zhou.locator(".standing-badge")).to_have_text("已停用")
    assert admin_users(office)["zhou.min"]["disabled"] is True
    clerk.locator("#filter-status").select_option("new")  # the inbox asks the server again
    expect(clerk.locator("#signed-out")).to_be_visible()
    expect(clerk.locator("#signed-out")).to_contain_text("登录已失效，请重新登录。")
    status_code, answer = Client(office).call("POST", "/api/staff/login", {"name": "zhou.min", "password": password})
    assert (status_code, answer["error"]) == (401, "auth.failed")

    # Enabled again: the same password works.
    zhou.get_by_role("button", name="启用 zhou.min").click()
    zhou.get_by_role("button", name="确认启用 zhou.min").click()
    expect(item_line(zhou)).to_have_text("已启用 zhou.min。")
    expect(item_line(zhou)).to_be_focused()
    expect(zhou.locator(".standing-badge")).to_have_text("在用")
    before = staff_client(office, "zhou.min", password)

    # A new password (the panel says it ends their sessions): a weak one refused in the server's words, then one typed.
    zhou.get_by_text("设置新密码…").click()
    panel = zhou.locator(".admin-panel")
    expect(panel.locator(".admin-warning")).to_have_text("设置新密码后，zhou.min 所有已登录的会话立即结束，需要用新密码重新登录。")
    panel.get_by_label("新密码", exact=True).fill("password2026")
    panel.get_by_role("button", name="设置新密码", exact=True).click()
    expect(item_line(zhou)).to_contain_text("this password is one of the first that guessing tries")
    expect(item_line(zhou)).to_be_focused()
    expect(panel.get_by_label("新密码", exact=True)).to_have_value("password2026")  # kept, to correct it
    panel.get_by_label("新密码", exact=True).fill("Harbor-mellow-7Qx")
    panel.get_by_role("button", name="显示", exact=True).click()
    expect(panel.get_by_label("新密码", exact=True)).to_have_attribute("type", "text")
    panel.get_by_role("button", name="设置新密码", exact=True).click()
    expect(item_line(zhou)).to_have_text("已为 zhou.min 设置新密码，其所有会话已结束。请把新密码安全地交给本人。")
    expect(item_line(zhou)).to_be_focused()
    expect(zhou.locator(".admin-panel")).not_to_have_attribute("open", "")
    status_code, answer = before.call("GET", "/api/staff/me")
    assert (status_code, answer["error"]) == (401, "auth.required")
    staff_client(office, "zhou.min", "Harbor-mellow-7Qx")


def test_departments_added_used_and_renamed(office, new_context, console, results_dir):
    admin = page_for(new_context, console)
    sign_in_admin(admin, office)
    form = admin.locator("#department-form")
    expect(admin.locator('#departments-list .department-item[data-id="education"]')).to_contain_text("Municipal Education Bureau")

    # Checked on the page first: the id's form, and an id that is taken.
    form.get_by_label("编号").fill("Sports!")
    form.get_by_label("中文名称").fill("市体育局")
    form.get_by_label("英文名称").fill("Municipal Sports Bureau")
    form.get_by_role("button", name="添加部门").click()
    expect(admin.locator("#department-form-status")).to_have_text("编号只能由小写字母、数字和“-”组成，最多 64 个字符。")
    expect(form.get_by_label("编号")).to_be_focused()
    form.get_by_label("编号").fill("education")
    form.get_by_role("button", name="添加部门").click()
    expect(admin.locator("#department-form-status")).to_contain_text("已经有编号为 education 的部门（市教育局）")
    form.get_by_label("编号").fill("sports")
    form.get_by_role("button", name="添加部门").click()
    expect(admin.locator("#department-form-status")).to_have_text("已添加部门“市体育局”（sports）。现在可以把工作人员加入这个部门。")
    expect(admin.locator("#department-form-status")).to_be_focused()
    sports = admin.locator('#departments-list .department-item[data-id="sports"]')
    expect(sports).to_contain_text("市体育局")
    expect(sports).to_contain_text("Municipal Sports Bureau")
    expect(sports.locator(".department-id")).to_have_text("sports")
    expect(sports).to_contain_text("在用的工作人员：0 人")
    departments = {d["id"]: d for d in Client(office).ok("GET", "/api/departments")["departments"]}
    assert departments["sports"]["name"] == {"zh": "市体育局", "en": "Municipal Sports Bureau"}

    # A clerk of the new department (a moderator takes none: the departments are not asked for).
    admin.get_by_label("角色").select_option("moderator")
    expect(admin.locator("#user-departments")).to_be_hidden()
    expect(admin.locator("#user-role-hint")).to_contain_text("审核员审核公开版本")
    admin.get_by_label("角色").select_option("staff")
    admin.get_by_label("用户名", exact=True).fill("tian.yu")
    admin.get_by_label("显示名称（选填）").fill("田雨")
    admin.get_by_role("checkbox", name="市体育局").check()
    admin.get_by_role("button", name="生成高强度密码").click()
    password = admin.locator("#user-password-value").inner_text()
    admin.get_by_role("button", name="添加账号", exact=True).click()
    expect(admin.locator("#user-form-status")).to_have_text("已添加工作人员账号 tian.yu。请把初始密码安全地交给本人。")
    expect(user_item(admin, "tian.yu")).to_contain_text("部门：市体育局")
    expect(sports).to_contain_text("在用的工作人员：1 人")
    assert admin_users(office)["tian.yu"]["departments"] == ["sports"]
    assert staff_client(office, "tian.yu", password).ok("GET", "/api/staff/me")["user"]["departments"] == ["sports"]

    # Renamed (it was added in the console); the accounts list follows.
    sports.get_by_text("改名…").click()
    sports.get_by_label("中文名称").fill("市体育运动局")
    sports.get_by_label("英文名称").fill("Municipal Sports Administration")
    sports.get_by_role("button", name="保存名称").click()
    expect(item_line(sports)).to_have_text("已把 sports 改名为“市体育运动局”（Municipal Sports Administration）。")
    expect(item_line(sports)).to_be_focused()
    expect(sports.locator(".department-zh")).to_have_text("市体育运动局")
    expect(user_item(admin, "tian.yu")).to_contain_text("部门：市体育运动局")
    departments = {d["id"]: d for d in Client(office).ok("GET", "/api/departments")["departments"]}
    assert departments["sports"]["name"] == {"zh": "市体育运动局", "en": "Municipal Sports Administration"}
    admin.locator("#departments-section").screenshot(path=str(results_dir / "admin-departments-1280x720.png"))


def test_file_departments_are_renamed_in_the_file(office, new_context, console):
    """The departments file's departments are renamed in the file: the server says where each department comes from,
    and the page offers no renaming for the file's."""
    admin = page_for(new_context, console)
    sign_in_admin(admin, office)
    education = admin.locator('#departments-list .department-item[data-id="education"]')
    expect(admin.locator("#departments-section")).to_contain_text("部门文件（config/departments.yaml）里的部门要在文件中改名")
    departments = Client(office).ok("GET", "/api/departments")["departments"]
    assert {d["id"]: d["source"] for d in departments}["education"] == "file"
    expect(education.locator(".source-badge").first).to_have_text("来自部门文件")
    expect(education).to_contain_text("在 config/departments.yaml 中改名")
    expect(education.get_by_text("改名…")).to_have_count(0)


def test_screening_words_block_and_hold_letters(office, new_context, console, results_dir):
    admin = page_for(new_context, console)
    sign_in_admin(admin, office)
    words = admin.locator("#words-list")
    # The file's words: shown with their action, removed only by editing the file.
    file_word = words.locator('.word-item[data-source="file"][data-word="法轮功"]')
    expect(file_word.locator(".word-badge")).to_have_text("拦截")
    expect(file_word).to_contain_text("来自筛查文件：要删除或修改，请编辑 config/screening.yaml")
    expect(file_word.get_by_role("button")).to_have_count(0)

    # A block word: a letter with it is refused; removed, the same letter goes through.
    word = "测试/拦截词"  # a slash: the removal's address encodes it
    body = f"我想反映一个问题，里面有{word}这几个字。"
    assert citizen_writes(office, "拦截前", body)[1]["status"] == "new"  # not yet a rule
    form = admin.locator("#word-form")
    form.get_by_label("词语").fill(word)
    expect(form.get_by_label("拦截：不予受理")).to_be_checked()
    form.get_by_role("button", name="添加筛查词").click()
    expect(admin.locator("#word-form-status")).to_have_text(f"已添加“{word}”（拦截），立即生效。")
    expect(admin.locator("#word-form-status")).to_be_focused()
    item = words.locator(f'.word-item[data-source="console"][data-word="{word}"]')
    expect(item.locator(".word-badge")).to_have_text("拦截")
    expect(item).to_contain_text(re.compile(r"管理员 于 .+ 在控制台添加"))
    rules = staff_client(office, "boss").ok("GET", "/api/admin/word-rules")["rules"]
    assert {"word": word, "action": "block", "source": "console", "addedBy": "boss"}.items() <= next(
        r for r in rules if r["word"] == word and r["source"] == "console").items()
    citizen = Client(office)
    citizen.ok("GET", "/api/session")
    letter = {"id": "t-admin-blocked-1", "kind": "complaint", "subject": "拦截测试", "body": body, "publish": False}
    status_code, answer = citizen.call("POST", "/api/threads", letter)
    assert (status_code, answer["error"]) == (422, "thread.blocked")
    # The same word and action again is said on the page, without asking the server.
    form.get_by_label("词语").fill(word)
    form.get_by_role("button", name="添加筛查词").click()
    expect(admin.locator("#word-form-status")).to_have_text(f"“{word}”已经在列表中（拦截）。")

    item.get_by_role("button", name=f"删除“{word}”").click()
    expect(item.get_by_role("button", name=f"确认删除“{word}”")).to_be_focused()
    admin.screenshot(path=str(results_dir / "admin-word-confirm-1280x720.png"))
    item.get_by_role("button", name=f"确认删除“{word}”").click()
    expect(admin.locator("#words-status")).to_have_text(f"已删除“{word}”，立即生效。")
    expect(admin.locator("#words-status")).to_be_focused()
    expect(words.locator(f'.word-item[data-word="{word}"]')).to_have_count(0)
    letter["id"] = "t-admin-blocked-2"
    status_code, answer = citizen.call("POST", "/api/threads", letter)
    assert status_code == 201, answer

    # A hold word: the letter is accepted and held for staff.
    held = "测试待审词"
    form.get_by_label("词语").fill(held)
    form.get_by_label("待审核：照常受理并标记").check()
    form.get_by_role("button", name="添加筛查词").click()
    expect(admin.locator("#word-form-status")).to_have_text(f"已添加“{held}”（待审核），立即生效。")
    expect(words.locator(f'.word-item[data-word="{held}"] .word-badge')).to_have_text("待审核")
    _, thread = citizen_writes(office, "待审测试", f"这封信提到{held}。")
    triage = staff_client(office, "li.wei")
    listed = triage.ok("GET", "/api/staff/threads?held=true&limit=200")["threads"]
    assert any(t["code"] == thread["code"] and t["held"] == held for t in listed), listed


def test_keyboard_only(office, new_context, console):
    """A word added and removed, and a password panel opened and closed, with the keyboard alone."""
    admin = page_for(new_context, console)
    sign_in_admin(admin, office)
    word = "键盘测试词"
    admin.locator("#word-text").focus()
    admin.keyboard.type(word)
    admin.keyboard.press("Tab")  # the checked radio: block
    expect(admin.locator("#word-action-block")).to_be_focused()
    admin.keyboard.press("ArrowRight")
    expect(admin.locator("#word-action-hold")).to_be_checked()
    admin.keyboard.press("Tab")
    expect(admin.locator("#word-save")).to_be_focused()
    admin.keyboard.press("Enter")
    expect(admin.locator("#word-form-status")).to_have_text(f"已添加“{word}”（待审核），立即生效。")
    expect(admin.locator("#word-form-status")).to_be_focused()

    item = admin.locator(f'#words-list .word-item[data-word="{word}"]')
    item.get_by_role("button", name=f"删除“{word}”").focus()
    admin.keyboard.press("Enter")
    expect(item.get_by_role("button", name=f"确认删除“{word}”")).to_be_focused()
    admin.keyboard.press("Enter")
    expect(admin.locator("#words-status")).to_have_text(f"已删除“{word}”，立即生效。")
    expect(admin.locator("#words-status")).to_be_focused()

    clerk = user_item(admin, "li.wei")
    clerk.locator("summary").focus()
    admin.keyboard.press("Enter")
    expect(clerk.locator("details.admin-panel")).to_have_attribute("open", "")
    admin.keyboard.press("Tab")
    expect(clerk.get_by_label("新密码", exact=True)).to_be_focused()
    admin.keyboard.press("Escape")
    expect(clerk.locator("details.admin-panel")).not_to_have_attribute("open", "")
    expect(clerk.locator("summary")).to_be_focused()


def test_only_admins_and_signing_in_again(office, new_context, console, results_dir):
    console.allow("status of 401")  # pages asking who is signed in before anyone is, and the ended session
    console.allow("status of 403")
    # Staff and moderators are told the page is not theirs; the console does not link them to it.
    for name, role in (("li.wei", "工作人员"), ("mod.chen", "审核员")):
        page = page_for(new_context, console)
        sign_in(page, office, name)
        expect(page.locator("#to-admin")).to_be_hidden()
        page.goto(office.url + "/admin")
        expect(page.locator("#page-status")).to_contain_text("系统管理只对管理员开放")
        expect(page.locator("#page-status a")).to_have_attribute("href", "/staff")
        expect(page.locator("#admin")).to_be_hidden()
        expect(page.locator("#staff-me")).to_contain_text(role)

    # The server refuses their requests, whatever the page shows.
    for name in ("li.wei", "mod.chen"):
        client = staff_client(office, name)
        for method, path, body in (
            ("GET", "/api/admin/users", None),
            ("POST", "/api/admin/users", {"name": "intruder", "role": "admin", "password": "Quiet-harbor-7Qx-lamp"}),
            ("POST", "/api/admin/users/boss/disable", None),
            ("POST", "/api/admin/users/boss/password", {"password": "Quiet-harbor-7Qx-lamp"}),
            ("POST", "/api/admin/departments", {"department": "intruders", "nameZh": "入侵", "nameEn": "Intruders"}),
            ("GET", "/api/admin/word-rules", None),
            ("POST", "/api/admin/word-rules", {"word": "市长", "action": "block"}),
            ("DELETE", "/api/admin/word-rules/%E6%B3%95%E8%BD%AE%E5%8A%9F", None),
        ):
            status_code, answer = client.call(method, path, body)
            assert (status_code, answer["error"]) == (403, "auth.forbidden"), (name, method, path, answer)
    assert "intruder" not in admin_users(office)

    # The console links an admin to the page.
    admin = page_for(new_context, console)
    sign_in(admin, office, "boss")
    expect(admin.locator("#to-admin")).to_have_text("系统管理")
    admin.locator("#to-admin").click()
    admin.wait_for_url(office.url + "/admin")
    admin.wait_for_selector('body[data-loaded="true"]')

    # A second admin's page, whose session ends (disabled by the first): the next action says so and offers to sign in again.
    add_user(office, "chief", "admin", (), "第二管理员")
    chief = page_for(new_context, console)
    sign_in_admin(chief, office, "chief")
    admin.reload()
    admin.wait_for_selector('body[data-loaded="true"]')
    user_item(admin, "chief").get_by_role("button", name="停用 chief").click()
    user_item(admin, "chief").get_by_role("button", name="确认停用 chief").click()
    expect(item_line(user_item(admin, "chief"))).to_have_text("已停用 chief，其所有会话已结束。")
    chief.locator("#word-form").get_by_label("词语").fill("随便一个词")
    chief.locator("#word-form").get_by_role("button", name="添加筛查词").click()
    expect(chief.locator("#signed-out")).to_be_visible()
    expect(chief.locator("#signed-out")).to_contain_text("登录已失效，请重新登录。")
    expect(chief.get_by_role("link", name="重新登录")).to_have_attribute("href", "/staff/login?next=%2Fadmin")
    expect(chief.get_by_role("link", name="重新登录")).to_be_focused()
    expect(chief.locator("#word-save")).to_be_disabled()
    assert not any(r["word"] == "随便一个词" for r in staff_client(office, "boss").ok("GET", "/api/admin/word-rules")["rules"])
    chief.screenshot(path=str(results_dir / "admin-signed-out-1280x720.png"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_screenshots(office, new_context, console, results_dir, lang):
    english = lang == "en"
    for name, size in (("390x844", PHONE), ("1280x720", DESKTOP), ("1920x1080", WIDE)):
        options = dict(size)
        options.setdefault("timezone_id", "Asia/Shanghai")
        page = page_for(new_context, console, options)
        sign_in_admin(page, office)
        if english:
            page.locator(".lang-toggle").click()
            expect(page.locator("#admin-title")).to_have_text("Administration")
            expect(page.locator("#users-title")).to_have_text("Accounts")
            expect(user_item(page, "li.wei")).to_contain_text("Departments: Mayor's Office")
            expect(page).to_have_title("Administration")
        else:
            expect(page.locator("#users-title")).to_have_text("账号")
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")
        page.screenshot(path=str(results_dir / f"admin-{lang}-{name}.png"), full_page=True)
        # The add form with a generated password, and a confirmation open.
        page.get_by_role("button", name="Generate a strong password" if english else "生成高强度密码").click()
        user_item(page, "li.wei").locator(".admin-item-actions button").first.click()
        user_item(page, "mod.chen").locator("summary").click()
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")
        page.locator("#users-section").screenshot(path=str(results_dir / f"admin-{lang}-{name}-users-in-use.png"))
