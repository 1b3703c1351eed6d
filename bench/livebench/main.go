// livebench: load for LastWord's live tally (docs/BENCHMARKS.md).
//
//	livebench ingest -base http://127.0.0.1:PORT -voters 200 -t 10s
//	    200 voters, each with its own citizen cookie and WebSocket, rate projects in a closed loop
//	    (one rating in flight each): acknowledged (committed) ratings per second and ack latency.
//	livebench board  -base http://127.0.0.1:PORT -watchers 10000 -rate 1000 -t 10s
//	    10,000 watchers subscribe to the campaign board while voters send 1,000 ratings per second:
//	    time from each rating's acknowledgement to its effect reaching the last watcher, and updates per
//	    watcher per second. The server must run with live.includeAppliedCount: acknowledgements and updates
//	    then carry the count of applied writes, so the first update reflecting a rating is known exactly.
//	livebench queue -base http://127.0.0.1:PORT -moderators 20 -rate 100 -threads 100 -t 10s
//	    20 moderators, each with a WebSocket subscribed to the moderation queue, while staff submit 100 public
//	    versions per second over HTTP, round-robin over 100 answered letters: time from just before each submission
//	    is sent until the last moderator has its `submitted` event (issue 10: p99 under 20 ms).
//	livebench messages -base http://127.0.0.1:PORT -watchers 10000 -rate 50 [-figures] [-letters 2] -t 10s
//	    10,000 watchers of the public message board (and the figures) while a moderator approves 50 public
//	    versions per second: time from each approval's acknowledgement until every watcher has a delta listing the
//	    item (issue 10: p99 at most live.intervalMs + 50 ms). With -letters, citizens write letters meanwhile so the
//	    figures move, and each letter is timed to the last watcher's figures too.
//	    queue and messages need the accounts bench/live.sh creates: -staff (triage department) and -moderator-prefix0…
//
// The last line is machine-readable: LIVEBENCH mode=… key=value …
// Loopback only. Build offline with Debian's Go and gorilla/websocket:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o /tmp/livebench ./bench/livebench
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

var start = time.Now()

func now() time.Duration { return time.Since(start) }

type options struct {
	base      string
	campaign  string
	duration  time.Duration
	warmup    time.Duration
	voters    int
	watchers  int
	rate      int
	serverPID int
	// issue 10
	moderators      int
	threads         int
	staffName       string
	moderatorPrefix string
	password        string
	figures         bool
	letters         float64
	text            int
}

var modes = map[string]func(options, []string){
	"ingest": ingest, "board": board,
	"queue":    func(o options, _ []string) { queue(o) },
	"messages": func(o options, _ []string) { messages(o) },
}

func main() {
	if len(os.Args) < 2 || modes[os.Args[1]] == nil {
		fmt.Fprintln(os.Stderr, "usage: livebench ingest|board|queue|messages -base http://127.0.0.1:PORT [options]")
		os.Exit(2)
	}
	mode := os.Args[1]
	fs := flag.NewFlagSet(mode, flag.ExitOnError)
	var o options
	fs.StringVar(&o.base, "base", "http://127.0.0.1:8080", "server base URL (loopback only)")
	fs.StringVar(&o.campaign, "campaign", "demo-2026", "campaign id")
	fs.DurationVar(&o.duration, "t", 10*time.Second, "measured duration")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unmeasured warm-up")
	fs.IntVar(&o.voters, "voters", 200, "voters (ingest) or voter connections (board)")
	fs.IntVar(&o.watchers, "watchers", 10000, "watchers of the campaign board (board)")
	fs.IntVar(&o.rate, "rate", 0, "ratings per second (board, default 1000), public versions submitted (queue, 100) or approved (messages, 50) per second")
	fs.IntVar(&o.serverPID, "server-pid", 0, "sample this process's CPU")
	fs.IntVar(&o.moderators, "moderators", 20, "moderators watching the queue (queue)")
	fs.IntVar(&o.threads, "threads", 100, "answered letters the submissions go round (queue)")
	fs.StringVar(&o.staffName, "staff", "bench-staff", "staff member of the triage department (queue, messages)")
	fs.StringVar(&o.moderatorPrefix, "moderator-prefix", "bench-mod", "moderators are named this and 0, 1, … (queue, messages)")
	fs.StringVar(&o.password, "password", "benchmark password", "the accounts' password (queue, messages)")
	fs.BoolVar(&o.figures, "figures", true, "watchers also watch the figures (messages)")
	fs.Float64Var(&o.letters, "letters", 0, "letters written per second meanwhile, so the figures move (messages)")
	fs.IntVar(&o.text, "text", 0, "characters (Chinese) of each public question and answer; 0: a short English sentence (queue, messages)")
	_ = fs.Parse(os.Args[2:])
	if o.rate == 0 {
		o.rate = map[string]int{"ingest": 1000, "board": 1000, "queue": 100, "messages": 50}[mode]
	}
	u, err := url.Parse(o.base)
	if err != nil || !isLoopback(u.Hostname()) || o.duration > 10*time.Minute || o.voters > 20000 || o.watchers > 20000 || o.rate < 1 || o.rate > 100000 || o.threads < 1 || o.moderators < 1 || o.text < 0 || o.text > 2000 {
		fmt.Fprintln(os.Stderr, "livebench: base must be a loopback http URL; -t ≤ 10m; ≤ 20000 voters and watchers; -rate 1…100000; -threads, -moderators ≥ 1; -text 0…2000")
		os.Exit(2)
	}
	raiseFileLimit()
	slugs, err := projectSlugs(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "livebench:", err)
		os.Exit(1)
	}
	modes[mode](o, slugs)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func raiseFileLimit() {
	var limit syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &limit) == nil {
		limit.Cur = limit.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &limit)
	}
}

func projectSlugs(o options) ([]string, error) {
	response, err := http.Get(o.base + "/api/campaigns/" + o.campaign)
	if err != nil {
		return nil, err
	}
	defer response.Body.Close()
	var body struct {
		Projects []struct {
			Slug string `json:"slug"`
		} `json:"projects"`
	}
	if err := json.NewDecoder(response.Body).Decode(&body); err != nil || len(body.Projects) == 0 {
		return nil, fmt.Errorf("campaign %s: no projects (%v)", o.campaign, err)
	}
	slugs := make([]string, len(body.Projects))
	for i, p := range body.Projects {
		slugs[i] = p.Slug
	}
	return slugs, nil
}

// citizenCookie asks the server for a new citizen identity.
func citizenCookie(o options) (string, error) {
	response, err := http.Get(o.base + "/api/session")
	if err != nil {
		return "", err
	}
	_, _ = io.Copy(io.Discard, response.Body)
	response.Body.Close()
	for _, c := range response.Cookies() {
		if c.Name == "lw_citizen" {
			return c.Name + "=" + c.Value, nil
		}
	}
	return "", fmt.Errorf("no citizen cookie (status %d)", response.StatusCode)
}

func dial(o options, cookie string) (*websocket.Conn, error) {
	wsURL := strings.Replace(o.base, "http", "ws", 1) + "/ws"
	header := http.Header{}
	if cookie != "" {
		header.Set("Cookie", cookie)
	}
	dialer := websocket.Dialer{HandshakeTimeout: 30 * time.Second, ReadBufferSize: 4096, WriteBufferSize: 4096}
	conn, _, err := dialer.Dial(wsURL, header)
	return conn, err
}

type serverMessage struct {
	Type    string          `json:"type"`
	ID      string          `json:"id"`
	Error   string          `json:"error"`
	Seq     uint64          `json:"seq"`
	Epoch   string          `json:"epoch"`
	Applied uint64          `json:"applied"`
	Data    json.RawMessage `json:"data"`
}

// ---------------------------------------------------------------- ingest

func ingest(o options, slugs []string) {
	type voterResult struct {
		acked     int
		latencies []time.Duration
		errors    map[string]int
	}
	conns := make([]*websocket.Conn, o.voters)
	for i := range conns {
		cookie, err := citizenCookie(o)
		if err != nil {
			fatal("session", err)
		}
		if conns[i], err = dial(o, cookie); err != nil {
			fatal("dial", err)
		}
	}
	cpu := startCPU(o.serverPID)
	measureFrom := now() + o.warmup
	measureTo := measureFrom + o.duration
	go func() {
		time.Sleep(measureFrom - now())
		announceMeasuring(o.duration)
	}()
	results := make([]voterResult, o.voters)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			r := &results[i]
			r.errors = map[string]int{}
			rng := rand.New(rand.NewSource(int64(i)))
			conn := conns[i]
			for k := 0; ; k++ {
				t0 := now()
				if t0 >= measureTo {
					return
				}
				id := "v" + strconv.Itoa(i) + "-" + strconv.Itoa(k)
				message := fmt.Sprintf(`{"type":"rate","id":"%s","project":"%s","level":%d}`, id, slugs[rng.Intn(len(slugs))], 1+rng.Intn(5))
				if err := conn.WriteMessage(websocket.TextMessage, []byte(message)); err != nil {
					r.errors["write"]++
					return
				}
				for {
					_, data, err := conn.ReadMessage()
					if err != nil {
						r.errors["read"]++
						return
					}
					var m serverMessage
					if json.Unmarshal(data, &m) != nil {
						continue
					}
					if m.Type == "ack" && m.ID == id {
						if t0 >= measureFrom {
							r.acked++
							r.latencies = append(r.latencies, now()-t0)
						}
						break
					}
					if m.Type == "error" {
						r.errors[m.Error]++
						break
					}
				}
			}
		}(i)
	}
	wg.Wait()
	use := cpu.stop()
	acked := 0
	var latencies []time.Duration
	errs := map[string]int{}
	for _, r := range results {
		acked += r.acked
		latencies = append(latencies, r.latencies...)
		for k, v := range r.errors {
			errs[k] += v
		}
	}
	for _, c := range conns {
		c.Close()
	}
	rate := float64(acked) / o.duration.Seconds()
	fmt.Printf("ingest: %d voters, %d ratings acknowledged in %v: %.0f/s; ack latency p50 %.2f ms p99 %.2f ms; errors %v; %v\n",
		o.voters, acked, o.duration, rate, ms(percentile(latencies, 50)), ms(percentile(latencies, 99)), errs, use)
	fmt.Printf("LIVEBENCH mode=ingest voters=%d acked=%d acked_per_s=%.0f ack_p50_ms=%.2f ack_p99_ms=%.2f errors=%d %s\n",
		o.voters, acked, rate, ms(percentile(latencies, 50)), ms(percentile(latencies, 99)), total(errs), use.fields())
}

// ---------------------------------------------------------------- board

func board(o options, slugs []string) {
	topic := "campaign:" + o.campaign
	// One delta of one phase group (epoch): when it reached its first and last watcher, how many got it, and the
	// count of applied writes it reflects.
	type delta struct {
		first, last time.Duration
		arrivals    int
		applied     uint64
	}
	type rating struct {
		applied uint64
		ack     time.Duration
	}
	var mu sync.Mutex
	deltas := map[string]map[uint64]*delta{} // epoch -> seq -> delta
	var ratings []rating

	watchers := make([]*rawWatcher, o.watchers)
	var dialers sync.WaitGroup
	next := make(chan int, o.watchers)
	for i := range watchers {
		next <- i
	}
	close(next)
	for d := 0; d < 100; d++ { // 100 handshakes in flight
		dialers.Add(1)
		go func() {
			defer dialers.Done()
			for i := range next {
				fd, leftover, err := dialRaw(o.base, topic)
				if err != nil {
					fatal("dial watcher", err)
				}
				watchers[i] = &rawWatcher{fd: fd, buffer: leftover}
			}
		}()
	}
	dialers.Wait()
	var counting atomic.Bool
	var stopped atomic.Bool
	var snapshots atomic.Int64
	stop := make(chan struct{})
	readerDone := make(chan error, 1)
	go func() {
		readerDone <- runRawWatchers(watchers, stop, func(w *rawWatcher, m serverMessage, arrived time.Duration) {
			switch m.Type {
			case "snapshot":
				w.lastSeq = m.Seq
				w.epoch = m.Epoch
				snapshots.Add(1)
			case "delta":
				if m.Epoch != w.epoch || m.Seq <= w.lastSeq {
					return // already reflected in the snapshot
				}
				if m.Seq > w.lastSeq+1 {
					w.gaps++
				}
				w.lastSeq = m.Seq
				if counting.Load() && !stopped.Load() {
					w.deltas++
				}
				mu.Lock()
				group := deltas[m.Epoch]
				if group == nil {
					group = map[uint64]*delta{}
					deltas[m.Epoch] = group
				}
				d := group[m.Seq]
				if d == nil {
					d = &delta{first: arrived, applied: m.Applied}
					group[m.Seq] = d
				}
				if arrived > d.last {
					d.last = arrived
				}
				d.arrivals++
				mu.Unlock()
			}
		})
	}()
	// Every watcher has its snapshot before the ratings start.
	for deadline := now() + time.Minute; snapshots.Load() < int64(o.watchers); {
		select {
		case err := <-readerDone:
			fatal("watchers", err)
		default:
		}
		if now() > deadline {
			fatal("snapshots", fmt.Errorf("%d of %d watchers got a snapshot", snapshots.Load(), o.watchers))
		}
		time.Sleep(10 * time.Millisecond)
	}
	members := map[string]int{} // watchers per phase group
	for _, w := range watchers {
		members[w.epoch]++
	}

	voterConns := make([]*websocket.Conn, o.voters)
	for i := range voterConns {
		cookie, err := citizenCookie(o)
		if err != nil {
			fatal("session", err)
		}
		if voterConns[i], err = dial(o, cookie); err != nil {
			fatal("dial voter", err)
		}
	}
	cpu := startCPU(o.serverPID)
	measureFrom := now() + o.warmup
	measureTo := measureFrom + o.duration
	go func() {
		time.Sleep(measureFrom - now())
		counting.Store(true)
		announceMeasuring(o.duration)
		time.Sleep(measureTo - now())
		counting.Store(false)
	}()
	var sent, acked, rejected, missingCount atomic.Int64
	var voters sync.WaitGroup
	perVoter := time.Duration(float64(time.Second) * float64(o.voters) / float64(o.rate))
	for i, conn := range voterConns {
		voters.Add(2)
		go func(i int, conn *websocket.Conn) { // reader: acknowledgements
			defer voters.Done()
			for {
				_, data, err := conn.ReadMessage()
				if err != nil {
					return
				}
				at := now()
				var m serverMessage
				if json.Unmarshal(data, &m) != nil {
					continue
				}
				if m.Type == "ack" {
					acked.Add(1)
					if m.Applied == 0 {
						missingCount.Add(1)
					} else if at >= measureFrom && at <= measureTo {
						mu.Lock()
						ratings = append(ratings, rating{applied: m.Applied, ack: at})
						mu.Unlock()
					}
				} else if m.Type == "error" {
					rejected.Add(1)
				}
			}
		}(i, conn)
		go func(i int, conn *websocket.Conn) { // writer: paced ratings
			defer voters.Done()
			rng := rand.New(rand.NewSource(int64(i)))
			next := now() + time.Duration(rng.Int63n(int64(perVoter)))
			for k := 0; ; k++ {
				if next >= measureTo {
					return
				}
				time.Sleep(next - now())
				id := "b" + strconv.Itoa(i) + "-" + strconv.Itoa(k)
				message := fmt.Sprintf(`{"type":"rate","id":"%s","project":"%s","level":%d}`, id, slugs[rng.Intn(len(slugs))], 1+rng.Intn(5))
				if conn.WriteMessage(websocket.TextMessage, []byte(message)) != nil {
					return
				}
				sent.Add(1)
				next += perVoter
			}
		}(i, conn)
	}
	time.Sleep(measureTo - now() + 2*time.Second)
	stopped.Store(true)
	use := cpu.stop()
	close(stop)
	disconnected := 0
	if err := <-readerDone; err != nil {
		disconnected = 1
		fmt.Fprintln(os.Stderr, "livebench:", err)
	}
	for _, c := range voterConns {
		c.Close()
	}
	for _, w := range watchers {
		syscall.Close(w.fd)
	}
	voters.Wait()
	if missingCount.Load() > 0 {
		fatal("acks", fmt.Errorf("%d acknowledgements carry no applied count: run the server with live.includeAppliedCount", missingCount.Load()))
	}

	mu.Lock()
	// Per group, its deltas in order (applied grows with seq).
	type ordered struct {
		seqs []uint64
		d    map[uint64]*delta
	}
	groups := map[string]ordered{}
	var fanouts []time.Duration
	for epoch, group := range deltas {
		var seqs []uint64
		for seq, d := range group {
			seqs = append(seqs, seq)
			if d.arrivals == members[epoch] && d.first >= measureFrom && d.first <= measureTo {
				fanouts = append(fanouts, d.last-d.first)
			}
		}
		sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
		groups[epoch] = ordered{seqs: seqs, d: group}
	}
	// A rating's effect reached every watcher when, in every group, the first delta reflecting it had reached all
	// of that group's watchers.
	var latencies []time.Duration
	incomplete := 0
	for _, r := range ratings {
		worst := time.Duration(-1)
		for epoch, g := range groups {
			index := sort.Search(len(g.seqs), func(i int) bool { return g.d[g.seqs[i]].applied >= r.applied })
			if index == len(g.seqs) || g.d[g.seqs[index]].arrivals < members[epoch] {
				worst = -1
				break
			}
			if last := g.d[g.seqs[index]].last; last > worst {
				worst = last
			}
		}
		if worst < 0 || len(groups) < len(members) {
			incomplete++
			continue
		}
		latencies = append(latencies, worst-r.ack)
	}
	mu.Unlock()
	received, gaps := 0, 0
	for _, w := range watchers {
		received += w.deltas
		gaps += w.gaps
	}
	perWatcher := float64(received) / float64(o.watchers) / o.duration.Seconds()
	fmt.Printf("board: %d watchers in %d groups, %d ratings sent, %d acknowledged, %d refused; ack→last watcher p50 %.1f ms p99 %.1f ms max %.1f ms (%d ratings measured, %d incomplete); %.2f updates per watcher per second; one update's fan-out first→last watcher p50 %.1f ms p99 %.1f ms; %d gaps; %d watchers disconnected; %v\n",
		o.watchers, len(members), sent.Load(), acked.Load(), rejected.Load(), ms(percentile(latencies, 50)), ms(percentile(latencies, 99)), ms(percentile(latencies, 100)),
		len(latencies), incomplete, perWatcher, ms(percentile(fanouts, 50)), ms(percentile(fanouts, 99)), gaps, disconnected, use)
	fmt.Printf("LIVEBENCH mode=board watchers=%d groups=%d sent=%d acked=%d refused=%d effect_p50_ms=%.1f effect_p99_ms=%.1f effect_max_ms=%.1f measured=%d incomplete=%d updates_per_watcher_per_s=%.2f fanout_p50_ms=%.1f fanout_p99_ms=%.1f gaps=%d disconnected=%d %s\n",
		o.watchers, len(members), sent.Load(), acked.Load(), rejected.Load(), ms(percentile(latencies, 50)), ms(percentile(latencies, 99)), ms(percentile(latencies, 100)),
		len(latencies), incomplete, perWatcher, ms(percentile(fanouts, 50)), ms(percentile(fanouts, 99)), gaps, disconnected, use.fields())
}

// ---------------------------------------------------------------- helpers

// readInto reads the next message into buffer (grown as needed) and returns it.
func readInto(conn *websocket.Conn, buffer *[]byte) ([]byte, error) {
	_, reader, err := conn.NextReader()
	if err != nil {
		return nil, err
	}
	data := (*buffer)[:0]
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := reader.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			*buffer = data
			return data, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// scanUpdate reads type, seq, epoch and applied of a snapshot or delta.
func scanUpdate(data []byte) serverMessage {
	var m serverMessage
	switch {
	case bytes.HasPrefix(data, []byte(`{"type":"delta"`)):
		m.Type = "delta"
	case bytes.HasPrefix(data, []byte(`{"type":"snapshot"`)):
		m.Type = "snapshot"
	default:
		return m
	}
	if i := bytes.Index(data, []byte(`"seq":`)); i >= 0 {
		for j := i + 6; j < len(data) && data[j] >= '0' && data[j] <= '9'; j++ {
			m.Seq = m.Seq*10 + uint64(data[j]-'0')
		}
	}
	if i := bytes.Index(data, []byte(`"epoch":"`)); i >= 0 {
		rest := data[i+9:]
		if j := bytes.IndexByte(rest, '"'); j >= 0 {
			m.Epoch = string(rest[:j])
		}
	}
	if i := bytes.LastIndex(data, []byte(`"applied":`)); i >= 0 {
		for j := i + 10; j < len(data) && data[j] >= '0' && data[j] <= '9'; j++ {
			m.Applied = m.Applied*10 + uint64(data[j]-'0')
		}
	}
	return m
}

// announceMeasuring tells stderr that the measured window starts now (bench/live.sh's profiler waits for it).
func announceMeasuring(duration time.Duration) {
	fmt.Fprintf(os.Stderr, "livebench: measuring for %v\n", duration)
}

// cpuSampler measures, over one window, the CPU used by the server, by this load generator, by every other process
// on the machine (user processes and kernel threads apart) and the hypervisor's steal. The machine is shared: a
// run is *clean* when other processes and steal each stayed under 5 % of a core, and only clean runs say what the
// server does (the same flag as ../shared/tools/wsbench).
type cpuSampler struct {
	serverPID        int
	at               time.Time
	server, client   int64
	others, kthreads map[int]int64
	steal            int64
}

// cpuUse is a window's CPU, each in % of one core.
type cpuUse struct{ server, client, other, kthread, steal float64 }

func (u cpuUse) clean() bool { return u.other < 5 && u.steal < 5 }

func (u cpuUse) String() string {
	flag := "clean"
	if !u.clean() {
		flag = "NOISY"
	}
	return fmt.Sprintf("server CPU %.0f%%, client CPU %.0f%%, other processes %.0f%%, kernel threads %.0f%%, steal %.0f%% (%s)",
		u.server, u.client, u.other, u.kthread, u.steal, flag)
}

func (u cpuUse) fields() string {
	clean := 0
	if u.clean() {
		clean = 1
	}
	return fmt.Sprintf("server_cpu_pct=%.0f client_cpu_pct=%.0f other_cpu_pct=%.0f kthread_cpu_pct=%.0f steal_pct=%.0f clean=%d",
		u.server, u.client, u.other, u.kthread, u.steal, clean)
}

func startCPU(serverPID int) *cpuSampler {
	c := &cpuSampler{serverPID: serverPID, at: time.Now(), server: processTicks(serverPID), client: processTicks(os.Getpid()), steal: stealTicks()}
	c.others, c.kthreads = otherTicks(serverPID)
	return c
}

func (c *cpuSampler) stop() cpuUse {
	percent := func(ticks int64) float64 { return float64(ticks) / 100 / time.Since(c.at).Seconds() * 100 } // 100 ticks a second
	others, kthreads := otherTicks(c.serverPID)
	var u cpuUse
	if c.serverPID != 0 {
		u.server = percent(processTicks(c.serverPID) - c.server)
	}
	u.client = percent(processTicks(os.Getpid()) - c.client)
	u.other = percent(sinceThen(c.others, others))
	u.kthread = percent(sinceThen(c.kthreads, kthreads))
	u.steal = percent(stealTicks() - c.steal)
	return u
}

// sinceThen adds up the ticks each process in now used since then (all of them for a process born in between).
func sinceThen(then, now map[int]int64) int64 {
	var sum int64
	for pid, ticks := range now {
		if before, ok := then[pid]; ok && before <= ticks {
			ticks -= before
		}
		sum += ticks
	}
	return sum
}

// otherTicks reads the CPU ticks of every process but the server and this one, user processes and kernel threads
// apart.
func otherTicks(serverPID int) (others, kthreads map[int]int64) {
	others, kthreads = map[int]int64{}, map[int]int64{}
	entries, _ := os.ReadDir("/proc")
	for _, entry := range entries {
		pid, err := strconv.Atoi(entry.Name())
		if err != nil || pid == serverPID || pid == os.Getpid() {
			continue
		}
		fields := statFields(pid)
		if len(fields) < 13 {
			continue
		}
		flags, _ := strconv.ParseUint(fields[6], 10, 64)
		utime, _ := strconv.ParseInt(fields[11], 10, 64)
		stime, _ := strconv.ParseInt(fields[12], 10, 64)
		if flags&0x00200000 != 0 { // PF_KTHREAD
			kthreads[pid] = utime + stime
		} else {
			others[pid] = utime + stime
		}
	}
	return
}

// stealTicks is the machine-wide hypervisor steal from /proc/stat.
func stealTicks() int64 {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	fields := strings.Fields(strings.SplitN(string(data), "\n", 2)[0])
	if len(fields) < 9 || fields[0] != "cpu" {
		return 0
	}
	steal, _ := strconv.ParseInt(fields[8], 10, 64)
	return steal
}

// statFields are the fields of /proc/PID/stat after the command name (fields[0] is the state).
func statFields(pid int) []string {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return nil
	}
	text := string(data)
	return strings.Fields(text[strings.LastIndexByte(text, ')')+2:])
}

func processTicks(pid int) int64 {
	fields := statFields(pid)
	if len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return utime + stime
}

func percentile(values []time.Duration, p float64) time.Duration {
	if len(values) == 0 {
		return 0
	}
	sorted := append([]time.Duration(nil), values...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	index := int(float64(len(sorted)-1) * p / 100)
	return sorted[index]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func fatal(what string, err error) {
	var netErr net.Error
	if errors.As(err, &netErr) {
		fmt.Fprintln(os.Stderr, "livebench:", what, "(network):", err)
	} else {
		fmt.Fprintln(os.Stderr, "livebench:", what+":", err)
	}
	os.Exit(1)
}
