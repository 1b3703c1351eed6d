import GRDB

/// The database schema, as named migrations in SQL.
///
/// A migration is frozen once it has shipped: never edit one, add the next (`"v2"`, …). `StoreSchemaTests` pins the
/// text of each shipped migration so that an edit fails the tests. Constraints live here, not only in Swift:
/// identifiers and citizen ids have their format checked, levels their range, suggestions their length, tallies
/// cannot go negative, and every row points at an existing campaign or project.
enum StoreSchema {
    struct Migration: Sendable {
        var name: String
        var sql: String
    }

    static let migrations: [Migration] = [
        Migration(name: "v1", sql: v1),
        Migration(name: "v2", sql: v2),
        Migration(name: "v3", sql: v3),
        Migration(name: "v4", sql: v4),
        Migration(name: "v5", sql: v5),
    ]

    static func makeMigrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        // Never erase: start-up must not wipe data because the schema changed (`eraseDatabaseOnSchemaChange` stays false).
        for migration in migrations {
            migrator.registerMigration(migration.name) { db in
                try db.execute(sql: migration.sql)
            }
        }
        return migrator
    }

    /// Campaigns and projects from the campaign files; ratings, likes and participants from citizens; tallies derived
    /// from those rows (kept in step in the same transaction, checked by `Store.verify()`); receipts of applied actions
    /// for exactly-once retries; the server's secret.
    ///
    /// A citizen's random 22-character token is stored once, in `citizen`, and other rows refer to its integer id.
    /// Ids grow in order of first appearance, so the rows of new citizens (ratings, participants, receipts) are
    /// appended at the end of their B-trees instead of landing on random pages: with random tokens as keys, each
    /// commit of a batch rewrote a page per row in three trees, and throughput fell by more than half.
    /// Citizens' rows are keyed (citizen, project) rather than (project, citizen): the hot read is "what did this
    /// citizen do" when their page loads, new citizens append at the end, and per-project numbers come from `tally`.
    static let v1 = """
        CREATE TABLE campaign (
            id TEXT PRIMARY KEY NOT NULL
                CHECK (length(id) BETWEEN 1 AND 64 AND id NOT GLOB '*[^a-z0-9-]*'),
            title_zh TEXT NOT NULL CHECK (title_zh <> ''),
            title_en TEXT NOT NULL CHECK (title_en <> ''),
            opens_at INTEGER NOT NULL,
            closes_at INTEGER NOT NULL,
            time_zone TEXT NOT NULL CHECK (time_zone <> ''),
            level_labels TEXT NOT NULL
                CHECK (json_valid(level_labels) AND json_type(level_labels) = 'array' AND json_array_length(level_labels) = 5),
            CHECK (closes_at > opens_at)
        ) STRICT;

        CREATE TABLE project (
            id INTEGER PRIMARY KEY,
            campaign TEXT NOT NULL REFERENCES campaign(id),
            slug TEXT NOT NULL UNIQUE
                CHECK (length(slug) BETWEEN 1 AND 64 AND slug NOT GLOB '*[^a-z0-9-]*'),
            position INTEGER NOT NULL CHECK (position >= 0),
            title_zh TEXT NOT NULL CHECK (title_zh <> ''),
            title_en TEXT NOT NULL CHECK (title_en <> ''),
            department_zh TEXT NOT NULL CHECK (department_zh <> ''),
            department_en TEXT NOT NULL CHECK (department_en <> ''),
            summary_zh TEXT NOT NULL CHECK (summary_zh <> ''),
            summary_en TEXT NOT NULL CHECK (summary_en <> ''),
            promised_zh TEXT NOT NULL CHECK (promised_zh <> ''),
            promised_en TEXT NOT NULL CHECK (promised_en <> ''),
            done_zh TEXT NOT NULL CHECK (done_zh <> ''),
            done_en TEXT NOT NULL CHECK (done_en <> ''),
            figures TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(figures) AND json_type(figures) = 'array')
        ) STRICT;
        CREATE INDEX project_by_campaign ON project(campaign, position);

        CREATE TABLE citizen (
            id INTEGER PRIMARY KEY,
            token TEXT NOT NULL UNIQUE CHECK (length(token) = 22 AND token NOT GLOB '*[^A-Za-z0-9_-]*'),
            created_at INTEGER NOT NULL
        ) STRICT;

        CREATE TABLE rating (
            citizen INTEGER NOT NULL REFERENCES citizen(id),
            project INTEGER NOT NULL REFERENCES project(id),
            level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
            suggestion TEXT CHECK (suggestion IS NULL OR length(suggestion) BETWEEN 1 AND 500),
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL CHECK (updated_at >= created_at),
            PRIMARY KEY (citizen, project)
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX rating_follow_up ON rating(project, updated_at) WHERE level <= 2;

        CREATE TABLE "like" (
            citizen INTEGER NOT NULL REFERENCES citizen(id),
            project INTEGER NOT NULL REFERENCES project(id),
            created_at INTEGER NOT NULL,
            PRIMARY KEY (citizen, project)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE participant (
            campaign TEXT NOT NULL REFERENCES campaign(id),
            citizen INTEGER NOT NULL REFERENCES citizen(id),
            PRIMARY KEY (campaign, citizen)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE tally (
            project INTEGER PRIMARY KEY REFERENCES project(id),
            level1 INTEGER NOT NULL DEFAULT 0 CHECK (level1 >= 0),
            level2 INTEGER NOT NULL DEFAULT 0 CHECK (level2 >= 0),
            level3 INTEGER NOT NULL DEFAULT 0 CHECK (level3 >= 0),
            level4 INTEGER NOT NULL DEFAULT 0 CHECK (level4 >= 0),
            level5 INTEGER NOT NULL DEFAULT 0 CHECK (level5 >= 0),
            likes INTEGER NOT NULL DEFAULT 0 CHECK (likes >= 0),
            suggestions INTEGER NOT NULL DEFAULT 0 CHECK (suggestions >= 0)
        ) STRICT;

        CREATE TABLE campaign_tally (
            campaign TEXT PRIMARY KEY NOT NULL REFERENCES campaign(id),
            participants INTEGER NOT NULL DEFAULT 0 CHECK (participants >= 0)
        ) STRICT;

        CREATE TABLE applied_action (
            citizen INTEGER NOT NULL REFERENCES citizen(id),
            client_id TEXT NOT NULL CHECK (length(client_id) BETWEEN 1 AND 64 AND client_id NOT GLOB '*[^A-Za-z0-9_-]*'),
            project INTEGER NOT NULL REFERENCES project(id),
            kind TEXT NOT NULL CHECK (kind IN ('rate', 'like')),
            level INTEGER CHECK (level BETWEEN 1 AND 5),
            suggestion TEXT CHECK (suggestion IS NULL OR length(suggestion) BETWEEN 1 AND 500),
            liked INTEGER CHECK (liked IN (0, 1)),
            old_level INTEGER CHECK (old_level BETWEEN 1 AND 5),
            likes_delta INTEGER NOT NULL CHECK (likes_delta BETWEEN -1 AND 1),
            suggestions_delta INTEGER NOT NULL CHECK (suggestions_delta BETWEEN -1 AND 1),
            new_participant INTEGER NOT NULL CHECK (new_participant IN (0, 1)),
            applied_at INTEGER NOT NULL,
            PRIMARY KEY (citizen, client_id),
            CHECK (kind = 'rate' AND level IS NOT NULL AND liked IS NULL AND likes_delta = 0
                OR kind = 'like' AND level IS NULL AND suggestion IS NULL AND liked IS NOT NULL AND old_level IS NULL
                   AND suggestions_delta = 0 AND new_participant = 0)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE server_secret (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            secret BLOB NOT NULL CHECK (length(secret) = 32)
        ) STRICT;
        """

    /// Receipts are kept for a retention period, then pruned oldest first (`Store.pruneReceipts`): the index lets
    /// each pruning find its oldest rows without reading the table.
    static let v2 = """
        CREATE INDEX applied_action_by_time ON applied_action (applied_at);
        """

    /// Withdrawn ratings, tally history and catalog revisions.
    ///
    /// - `applied_action` is rebuilt (SQLite cannot change a CHECK): its kind may be `withdraw` (the citizen took the
    ///   rating back while the window was open), and `left_participant` records that it was the citizen's last
    ///   rating in the campaign, so the campaign's participants fall by one. Every row is kept.
    /// - `tally_sample` and `campaign_sample`: the tallies at moments in time, written by the history sampler when
    ///   something changed, for the board's "how the scores moved" view. They are observations, not derived state:
    ///   `verify` does not recompute them.
    /// - `catalog_revision`: bumped by every import that changed a campaign or project, so a running server sees an
    ///   import made by `lastword campaign import` in another process and reloads its catalog.
    static let v3 = """
        CREATE TABLE applied_action_v3 (
            citizen INTEGER NOT NULL REFERENCES citizen(id),
            client_id TEXT NOT NULL CHECK (length(client_id) BETWEEN 1 AND 64 AND client_id NOT GLOB '*[^A-Za-z0-9_-]*'),
            project INTEGER NOT NULL REFERENCES project(id),
            kind TEXT NOT NULL CHECK (kind IN ('rate', 'like', 'withdraw')),
            level INTEGER CHECK (level BETWEEN 1 AND 5),
            suggestion TEXT CHECK (suggestion IS NULL OR length(suggestion) BETWEEN 1 AND 500),
            liked INTEGER CHECK (liked IN (0, 1)),
            old_level INTEGER CHECK (old_level BETWEEN 1 AND 5),
            likes_delta INTEGER NOT NULL CHECK (likes_delta BETWEEN -1 AND 1),
            suggestions_delta INTEGER NOT NULL CHECK (suggestions_delta BETWEEN -1 AND 1),
            new_participant INTEGER NOT NULL CHECK (new_participant IN (0, 1)),
            left_participant INTEGER NOT NULL DEFAULT 0 CHECK (left_participant IN (0, 1)),
            applied_at INTEGER NOT NULL,
            PRIMARY KEY (citizen, client_id),
            CHECK (kind = 'rate' AND level IS NOT NULL AND liked IS NULL AND likes_delta = 0 AND left_participant = 0
                OR kind = 'like' AND level IS NULL AND suggestion IS NULL AND liked IS NOT NULL AND old_level IS NULL
                   AND suggestions_delta = 0 AND new_participant = 0 AND left_participant = 0
                OR kind = 'withdraw' AND level IS NULL AND suggestion IS NULL AND liked IS NULL
                   AND old_level IS NOT NULL AND likes_delta = 0 AND suggestions_delta <= 0 AND new_participant = 0)
        ) STRICT, WITHOUT ROWID;
        INSERT INTO applied_action_v3 (citizen, client_id, project, kind, level, suggestion, liked, old_level,
            likes_delta, suggestions_delta, new_participant, left_participant, applied_at)
            SELECT citizen, client_id, project, kind, level, suggestion, liked, old_level,
                likes_delta, suggestions_delta, new_participant, 0, applied_at
            FROM applied_action;
        DROP TABLE applied_action;
        ALTER TABLE applied_action_v3 RENAME TO applied_action;
        CREATE INDEX applied_action_by_time ON applied_action (applied_at);

        CREATE TABLE campaign_sample (
            campaign TEXT NOT NULL REFERENCES campaign(id),
            at INTEGER NOT NULL,
            participants INTEGER NOT NULL CHECK (participants >= 0),
            PRIMARY KEY (campaign, at)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE tally_sample (
            project INTEGER NOT NULL REFERENCES project(id),
            at INTEGER NOT NULL,
            level1 INTEGER NOT NULL CHECK (level1 >= 0),
            level2 INTEGER NOT NULL CHECK (level2 >= 0),
            level3 INTEGER NOT NULL CHECK (level3 >= 0),
            level4 INTEGER NOT NULL CHECK (level4 >= 0),
            level5 INTEGER NOT NULL CHECK (level5 >= 0),
            likes INTEGER NOT NULL CHECK (likes >= 0),
            suggestions INTEGER NOT NULL CHECK (suggestions >= 0),
            PRIMARY KEY (project, at)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE catalog_revision (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            revision INTEGER NOT NULL CHECK (revision >= 0)
        ) STRICT;
        INSERT INTO catalog_revision (id, revision) VALUES (1, 0);
        """

    /// The mayor's direct line: departments, staff accounts and their sessions, threads and their entries, canned
    /// replies, and the audit log.
    ///
    /// - `department`: from config/departments.yaml; `triage` marks the mayor's office, which sees every thread.
    /// - `staff_user`: staff, moderators and admins. `password_hash` carries its algorithm and parameters
    ///   (`scrypt$ln=15,r=8,p=1$salt$hash`), so they can be raised later without a migration.
    /// - `staff_session`: the SHA-256 of each session cookie's random token (the token itself is never stored), so a
    ///   copy of the database cannot be used to sign in. A session ends when revoked or when its times run out.
    /// - `thread` and `thread_entry`: a thread's entries are numbered 1, 2, 3 … by `seq` (`last_seq` is the highest),
    ///   so a page that reconnects asks for `seq > n` and gets exactly what it missed. A client id makes a retry
    ///   count once: unique per citizen for the citizen's entries, per staff user for staff's.
    /// - `audit_entry`: who did what to accounts and threads, append-only.
    static let v4 = """
        CREATE TABLE department (
            id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64 AND id NOT GLOB '*[^a-z0-9-]*'),
            name_zh TEXT NOT NULL CHECK (name_zh <> ''),
            name_en TEXT NOT NULL CHECK (name_en <> ''),
            triage INTEGER NOT NULL DEFAULT 0 CHECK (triage IN (0, 1)),
            position INTEGER NOT NULL DEFAULT 0
        ) STRICT;

        CREATE TABLE staff_user (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64 AND name NOT GLOB '*[^a-z0-9._-]*'),
            display_name TEXT NOT NULL CHECK (length(display_name) BETWEEN 1 AND 64),
            role TEXT NOT NULL CHECK (role IN ('staff', 'moderator', 'admin')),
            password_hash TEXT NOT NULL,
            disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
            created_at INTEGER NOT NULL,
            password_changed_at INTEGER NOT NULL
        ) STRICT;

        CREATE TABLE staff_membership (
            user INTEGER NOT NULL REFERENCES staff_user(id),
            department TEXT NOT NULL REFERENCES department(id),
            PRIMARY KEY (user, department)
        ) STRICT, WITHOUT ROWID;

        CREATE TABLE staff_session (
            token_hash BLOB PRIMARY KEY CHECK (length(token_hash) = 32),
            user INTEGER NOT NULL REFERENCES staff_user(id),
            created_at INTEGER NOT NULL,
            last_seen_at INTEGER NOT NULL,
            revoked_at INTEGER
        ) STRICT, WITHOUT ROWID;
        CREATE INDEX staff_session_by_user ON staff_session (user);

        CREATE TABLE thread (
            id INTEGER PRIMARY KEY,
            code TEXT NOT NULL UNIQUE CHECK (length(code) = 10 AND code NOT GLOB '*[^23456789ABCDEFGHJKMNPQRSTUVWXYZ]*'),
            citizen INTEGER NOT NULL REFERENCES citizen(id),
            client_id TEXT NOT NULL CHECK (length(client_id) BETWEEN 1 AND 72),
            kind TEXT NOT NULL CHECK (kind IN ('enquiry', 'complaint', 'suggestion', 'help')),
            subject TEXT NOT NULL CHECK (length(subject) BETWEEN 1 AND 60),
            status TEXT NOT NULL CHECK (status IN ('new', 'assigned', 'answered', 'closed', 'invalid')),
            invalid_reason TEXT CHECK (invalid_reason IS NULL OR length(invalid_reason) BETWEEN 1 AND 200),
            department TEXT NOT NULL REFERENCES department(id),
            assignee INTEGER REFERENCES staff_user(id),
            project INTEGER REFERENCES project(id),
            contact TEXT CHECK (contact IS NULL OR length(contact) BETWEEN 1 AND 200),
            publish INTEGER NOT NULL CHECK (publish IN (0, 1)),
            held TEXT CHECK (held IS NULL OR length(held) BETWEEN 1 AND 64),
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            first_answer_at INTEGER,
            last_seq INTEGER NOT NULL DEFAULT 0 CHECK (last_seq >= 0),
            citizen_read_seq INTEGER NOT NULL DEFAULT 0 CHECK (citizen_read_seq >= 0),
            staff_read_seq INTEGER NOT NULL DEFAULT 0 CHECK (staff_read_seq >= 0),
            UNIQUE (citizen, client_id),
            CHECK (status = 'invalid' AND invalid_reason IS NOT NULL OR status <> 'invalid' AND invalid_reason IS NULL)
        ) STRICT;
        CREATE INDEX thread_by_update ON thread (updated_at);
        CREATE INDEX thread_by_department ON thread (department, updated_at);
        CREATE INDEX thread_by_citizen ON thread (citizen, project);

        CREATE TABLE thread_entry (
            thread INTEGER NOT NULL REFERENCES thread(id),
            seq INTEGER NOT NULL CHECK (seq >= 1),
            kind TEXT NOT NULL CHECK (kind IN ('citizen', 'staff', 'note', 'event')),
            citizen INTEGER REFERENCES citizen(id),
            author INTEGER REFERENCES staff_user(id),
            client_id TEXT CHECK (client_id IS NULL OR length(client_id) BETWEEN 1 AND 72),
            body TEXT CHECK (body IS NULL OR length(body) BETWEEN 1 AND 2000),
            event TEXT,
            created_at INTEGER NOT NULL,
            PRIMARY KEY (thread, seq),
            CHECK (kind = 'citizen' AND citizen IS NOT NULL AND author IS NULL AND body IS NOT NULL AND event IS NULL
                OR kind IN ('staff', 'note') AND author IS NOT NULL AND citizen IS NULL AND body IS NOT NULL AND event IS NULL
                OR kind = 'event' AND citizen IS NULL AND event IS NOT NULL)
        ) STRICT, WITHOUT ROWID;
        CREATE UNIQUE INDEX thread_entry_by_citizen_client ON thread_entry (citizen, client_id)
            WHERE citizen IS NOT NULL AND client_id IS NOT NULL;
        CREATE UNIQUE INDEX thread_entry_by_author_client ON thread_entry (author, client_id)
            WHERE author IS NOT NULL AND client_id IS NOT NULL;
        CREATE INDEX thread_entry_by_citizen_text ON thread_entry (citizen, body) WHERE citizen IS NOT NULL;

        CREATE TABLE canned_reply (
            id INTEGER PRIMARY KEY,
            department TEXT NOT NULL REFERENCES department(id),
            title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 60),
            body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
            created_by INTEGER REFERENCES staff_user(id),
            created_at INTEGER NOT NULL
        ) STRICT;

        CREATE TABLE audit_entry (
            id INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            subject TEXT,
            detail TEXT
        ) STRICT;
        """

    /// The direct line, part 2 (issue 10): public versions and their moderation, citizens' satisfaction with answers,
    /// and follow-ups.
    /// - `thread.first_response_at`: when staff first took the letter up (claim, assignment, route or reply), for the
    ///   figures' time to first response; filled for existing threads from their entries. `satisfaction`: the
    ///   citizen's rating of the answer (1…5), changeable until the thread closes.
    /// - `public_version`: what staff propose to publish — the question as it may be shown and the official reply —
    ///   one row per revision, never updated in its texts; `published_*` are the texts as approved (a moderator's edit,
    ///   or the same), which alone the public board shows. A moderator's hold (`hold_*`) keeps a second moderator out.
    /// - `moderation_decision`: every approval, rejection and withdrawal, with its category: the public moderation log
    ///   and, with audit_entry (which keeps the texts before and after), the record of who decided what.
    /// - `follow_up`: a rating of 1 or 2 that its department must act on and record. An answer's (`thread`) opens one
    ///   when the citizen rates it; a project's (`citizen`, `project`) is the rating itself until staff record the
    ///   outcome, which writes the row (`opened_at` is then the rating's time). Deadlines are counted from `opened_at`
    ///   in working days when read, so a calendar published later applies to them too.
    /// - `department.added_by`: who added a department in the console (null: the departments file, which is imported
    ///   at every start and so wins for the departments it lists). `word_rule`: screening words an admin added in the
    ///   console, in force beside the screening file's.
    static let v5 = """
        ALTER TABLE thread ADD COLUMN first_response_at INTEGER;
        ALTER TABLE thread ADD COLUMN satisfaction INTEGER CHECK (satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5);
        ALTER TABLE thread ADD COLUMN satisfaction_at INTEGER;
        UPDATE thread SET first_response_at = (
            SELECT min(e.created_at) FROM thread_entry e
            WHERE e.thread = thread.id AND (e.kind = 'staff' OR e.kind = 'event' AND e.author IS NOT NULL)
        );
        CREATE INDEX thread_by_creation ON thread (created_at);

        CREATE TABLE public_version (
            id INTEGER PRIMARY KEY,
            thread INTEGER NOT NULL REFERENCES thread(id),
            revision INTEGER NOT NULL CHECK (revision >= 1),
            author INTEGER NOT NULL REFERENCES staff_user(id),
            client_id TEXT NOT NULL CHECK (length(client_id) BETWEEN 1 AND 72),
            question TEXT NOT NULL CHECK (length(question) BETWEEN 1 AND 2000),
            answer TEXT NOT NULL CHECK (length(answer) BETWEEN 1 AND 2000),
            submitted_at INTEGER NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'withdrawn', 'superseded')),
            published_question TEXT CHECK (published_question IS NULL OR length(published_question) BETWEEN 1 AND 2000),
            published_answer TEXT CHECK (published_answer IS NULL OR length(published_answer) BETWEEN 1 AND 2000),
            published_at INTEGER,
            hold_by INTEGER REFERENCES staff_user(id),
            hold_until INTEGER,
            UNIQUE (thread, revision),
            UNIQUE (author, client_id),
            CHECK (status NOT IN ('approved', 'withdrawn') OR published_question IS NOT NULL AND published_answer IS NOT NULL
                   AND published_at IS NOT NULL)
        ) STRICT;
        CREATE INDEX public_version_by_status ON public_version (status, submitted_at);
        CREATE INDEX public_version_by_publication ON public_version (published_at) WHERE status = 'approved';

        CREATE TABLE moderation_decision (
            id INTEGER PRIMARY KEY,
            version INTEGER NOT NULL REFERENCES public_version(id),
            action TEXT NOT NULL CHECK (action IN ('approved', 'edited', 'rejected', 'withdrawn')),
            moderator INTEGER NOT NULL REFERENCES staff_user(id),
            client_id TEXT NOT NULL CHECK (length(client_id) BETWEEN 1 AND 72),
            category TEXT CHECK (category IS NULL OR category IN
                ('personal-data', 'inaccurate', 'incomplete', 'unfit', 'consent-withdrawn', 'other')),
            note TEXT CHECK (note IS NULL OR length(note) BETWEEN 1 AND 500),
            at INTEGER NOT NULL,
            UNIQUE (moderator, client_id),
            CHECK (action IN ('approved', 'edited') AND category IS NULL AND note IS NULL
                OR action IN ('rejected', 'withdrawn') AND category IS NOT NULL AND note IS NOT NULL)
        ) STRICT;
        CREATE INDEX moderation_decision_by_version ON moderation_decision (version);

        CREATE TABLE follow_up (
            id INTEGER PRIMARY KEY,
            thread INTEGER REFERENCES thread(id),
            citizen INTEGER REFERENCES citizen(id),
            project INTEGER REFERENCES project(id),
            department TEXT NOT NULL REFERENCES department(id),
            level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 2),
            opened_at INTEGER NOT NULL,
            contacted INTEGER CHECK (contacted IS NULL OR contacted IN (0, 1)),
            outcome TEXT CHECK (outcome IS NULL OR length(outcome) BETWEEN 1 AND 2000),
            recorded_by INTEGER REFERENCES staff_user(id),
            recorded_at INTEGER,
            CHECK (thread IS NOT NULL AND citizen IS NULL AND project IS NULL
                OR thread IS NULL AND citizen IS NOT NULL AND project IS NOT NULL),
            CHECK (recorded_at IS NULL AND outcome IS NULL AND recorded_by IS NULL AND contacted IS NULL
                OR recorded_at IS NOT NULL AND outcome IS NOT NULL AND recorded_by IS NOT NULL AND contacted IS NOT NULL)
        ) STRICT;
        CREATE UNIQUE INDEX follow_up_open_letter ON follow_up (thread) WHERE thread IS NOT NULL AND recorded_at IS NULL;
        CREATE UNIQUE INDEX follow_up_of_rating ON follow_up (citizen, project, opened_at) WHERE project IS NOT NULL;
        CREATE INDEX follow_up_by_department ON follow_up (department, recorded_at, opened_at);

        ALTER TABLE department ADD COLUMN added_by TEXT;
        CREATE TABLE word_rule (
            word TEXT PRIMARY KEY CHECK (length(word) BETWEEN 1 AND 64),
            action TEXT NOT NULL CHECK (action IN ('block', 'hold')),
            added_by TEXT NOT NULL,
            added_at INTEGER NOT NULL
        ) STRICT;
        """
}
