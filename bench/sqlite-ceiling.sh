#!/usr/bin/env bash
# The raw SQLite ceiling for the rating write path, measured with the sqlite3 shell.
#
# Writes, per rating, the same rows as Storage's StoreWriter for a new citizen's first rating: the citizen (a random
# 22-character token), the rating, the relative tally update, the participant, the campaign's participant count and
# the applied-action receipt; N ratings in transactions of BATCH; WAL, synchronous=FULL, and the writer's cache and
# checkpoint settings; on the schema of every migration in Sources/Storage/StoreSchema.swift.
# Only the sqlite3 run is timed; the SQL text is generated beforehand.
#
# MODE=statements (default): one INSERT/UPDATE per row, as an application would send them. The shell compiles every
#   statement anew (no prepared-statement reuse), so this measures SQLite's parser as much as its storage engine.
# MODE=set: each batch inserts its rows with six set-based statements (INSERT … SELECT over a recursive CTE): no
#   per-row statement cost at all, only B-tree, WAL and sync work. An upper bound no per-command writer can reach.
#
# Usage: bench/sqlite-ceiling.sh [N=200000] [BATCH=512] [PROJECTS=100] [DIR=mktemp -d]
#        taskset -c 0 bench/sqlite-ceiling.sh             # one core, as the writer benchmark
#        MODE=set taskset -c 0 bench/sqlite-ceiling.sh
set -euo pipefail
N=${1:-200000}
BATCH=${2:-512}
PROJECTS=${3:-100}
DIR=${4:-$(mktemp -d)}
MODE=${MODE:-statements}
HERE=$(cd "$(dirname "$0")/.." && pwd)
DB="$DIR/ceiling.sqlite"
SQL="$DIR/ceiling.sql"
rm -f "$DB" "$DB-wal" "$DB-shm"

# The schema: the text of every migration (`static let vN = """` to its closing `"""`), in order.
awk '/static let v[0-9]+ = """/ { on = 1; next } on && /^ *"""/ { on = 0; next } on { print }' \
    "$HERE/Sources/Storage/StoreSchema.swift" > "$DIR/schema.sql"

{
    echo "PRAGMA journal_mode = WAL;"
    echo "PRAGMA foreign_keys = ON;"
    cat "$DIR/schema.sql"
    echo "INSERT INTO campaign VALUES ('bench', '测试', 'Bench', 0, 9223372036854775807, 'Asia/Shanghai',"
    echo "    '[{\"en\":\"1\",\"zh\":\"1\"},{\"en\":\"2\",\"zh\":\"2\"},{\"en\":\"3\",\"zh\":\"3\"},{\"en\":\"4\",\"zh\":\"4\"},{\"en\":\"5\",\"zh\":\"5\"}]');"
    echo "INSERT INTO campaign_tally (campaign) VALUES ('bench');"
    awk -v p="$PROJECTS" 'BEGIN {
        for (i = 1; i <= p; i++) {
            printf "INSERT INTO project (id, campaign, slug, position, title_zh, title_en, department_zh, department_en, summary_zh, summary_en, promised_zh, promised_en, done_zh, done_en) VALUES (%d, '\''bench'\'', '\''project-%d'\'', %d, '\''t'\'', '\''t'\'', '\''d'\'', '\''d'\'', '\''s'\'', '\''s'\'', '\''p'\'', '\''p'\'', '\''x'\'', '\''x'\'');\n", i, i, i
            printf "INSERT INTO tally (project) VALUES (%d);\n", i
        }
    }'
    # The writer's settings (Store.init): synchronous FULL, 64 MiB cache, checkpoint every 10,000 WAL pages.
    echo "PRAGMA synchronous = FULL;"
    echo "PRAGMA cache_size = -65536;"
    echo "PRAGMA wal_autocheckpoint = 10000;"
    if [ "$MODE" = set ]; then
        # Random 22-character tokens from randomblob(): hexadecimal digits are in the base64url alphabet, and the
        # index sees random keys as in the statements mode.
        awk -v n="$N" -v b="$BATCH" -v p="$PROJECTS" 'BEGIN {
            for (start = 0; start < n; start += b) {
                end = start + b; if (end > n) end = n
                cte = sprintf("WITH RECURSIVE k(i) AS (SELECT %d UNION ALL SELECT i + 1 FROM k WHERE i + 1 < %d)", start, end)
                print "BEGIN IMMEDIATE;"
                print cte " INSERT INTO citizen (id, token, created_at) SELECT i + 1, substr(hex(randomblob(11)), 1, 21) || '\''A'\'', 1700000000000 FROM k;"
                print cte " INSERT INTO rating (citizen, project, level, suggestion, created_at, updated_at) SELECT i + 1, i % " p " + 1, i % 5 + 1, CASE WHEN i % 10 = 0 THEN '\''建议 '\'' || i END, 1700000000000, 1700000000000 FROM k;"
                print cte ", d(project, l1, l2, l3, l4, l5, s) AS (SELECT i % " p " + 1, sum(i % 5 = 0), sum(i % 5 = 1), sum(i % 5 = 2), sum(i % 5 = 3), sum(i % 5 = 4), sum(i % 10 = 0) FROM k GROUP BY 1) UPDATE tally SET level1 = level1 + d.l1, level2 = level2 + d.l2, level3 = level3 + d.l3, level4 = level4 + d.l4, level5 = level5 + d.l5, suggestions = suggestions + d.s FROM d WHERE d.project = tally.project;"
                print cte " INSERT INTO participant (campaign, citizen) SELECT '\''bench'\'', i + 1 FROM k;"
                printf "UPDATE campaign_tally SET participants = participants + %d WHERE campaign = '\''bench'\'';\n", end - start
                print cte " INSERT INTO applied_action (citizen, client_id, project, kind, level, suggestion, liked, old_level, likes_delta, suggestions_delta, new_participant, applied_at) SELECT i + 1, '\''c'\'' || i, i % " p " + 1, '\''rate'\'', i % 5 + 1, CASE WHEN i % 10 = 0 THEN '\''建议 '\'' || i END, NULL, NULL, 0, (i % 10 = 0), 1, 1700000000000 FROM k;"
                print "COMMIT;"
            }
        }'
    else
        awk -v n="$N" -v b="$BATCH" -v p="$PROJECTS" 'BEGIN {
            srand(42)
            alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
            last = "AQgw"
            levels[1] = "level1"; levels[2] = "level2"; levels[3] = "level3"; levels[4] = "level4"; levels[5] = "level5"
            for (i = 0; i < n; i++) {
                if (i % b == 0) print "BEGIN IMMEDIATE;"
                token = ""
                for (c = 0; c < 21; c++) token = token substr(alphabet, int(rand() * 64) + 1, 1)
                token = token substr(last, int(rand() * 4) + 1, 1)
                citizen = i + 1
                project = i % p + 1
                level = i % 5 + 1
                suggestion = (i % 10 == 0) ? sprintf("'\''建议 %d'\''", i) : "NULL"
                hasSuggestion = (i % 10 == 0) ? 1 : 0
                printf "INSERT INTO citizen (id, token, created_at) VALUES (%d, '\''%s'\'', 1700000000000);\n", citizen, token
                printf "INSERT INTO rating (citizen, project, level, suggestion, created_at, updated_at) VALUES (%d, %d, %d, %s, 1700000000000, 1700000000000);\n", citizen, project, level, suggestion
                printf "UPDATE tally SET %s = %s + 1, suggestions = suggestions + %d WHERE project = %d;\n", levels[level], levels[level], hasSuggestion, project
                printf "INSERT INTO participant (campaign, citizen) VALUES ('\''bench'\'', %d);\n", citizen
                printf "UPDATE campaign_tally SET participants = participants + 1 WHERE campaign = '\''bench'\'';\n"
                printf "INSERT INTO applied_action (citizen, client_id, project, kind, level, suggestion, liked, old_level, likes_delta, suggestions_delta, new_participant, applied_at) VALUES (%d, '\''c%d'\'', %d, '\''rate'\'', %d, %s, NULL, NULL, 0, %d, 1, 1700000000000);\n", citizen, i, project, level, suggestion, hasSuggestion
                if (i % b == b - 1 || i == n - 1) print "COMMIT;"
            }
        }'
    fi
} > "$SQL"

# Schema and campaign set-up are a negligible part of the run; time the whole file.
start=$(date +%s%N)
sqlite3 "$DB" < "$SQL" > /dev/null
end=$(date +%s%N)
elapsed_ms=$(( (end - start) / 1000000 ))
rows=$(sqlite3 "$DB" "SELECT count(*) FROM rating;")
check=$(sqlite3 "$DB" "SELECT (SELECT sum(level1 + level2 + level3 + level4 + level5) FROM tally) = $rows AND (SELECT participants FROM campaign_tally) = $rows;")
echo "sqlite3 $(sqlite3 --version | cut -d' ' -f1), MODE=$MODE: $rows ratings in batches of $BATCH, WAL, synchronous=FULL: ${elapsed_ms} ms = $(( rows * 1000 / (elapsed_ms > 0 ? elapsed_ms : 1) )) ratings/s (tallies consistent: $check)"
[ -n "${4:-}" ] || rm -rf "$DIR"
