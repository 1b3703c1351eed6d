package main

// Issue 10's benchmarks: the moderators' live queue (queue) and the public message board's fan-out (messages).

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

// window is the measured window: the CPU sampler runs exactly over it, and announceMeasuring marks its start.
type window struct {
	from, to time.Duration
	cpu      chan cpuUse
}

func measureWindow(o options) window {
	w := window{from: now() + o.warmup, cpu: make(chan cpuUse, 1)}
	w.to = w.from + o.duration
	go func() {
		time.Sleep(w.from - now())
		sampler := startCPU(o.serverPID)
		connects.take() // the set-up's connections are not the window's
		announceMeasuring(o.duration)
		time.Sleep(w.to - now())
		w.cpu <- sampler.stop()
	}()
	return w
}

func (w window) contains(t time.Duration) bool { return t >= w.from && t < w.to }

// pace calls fire(k) at rate per second from now until the window ends, each on its own goroutine (an open loop: a
// slow answer does not delay the next request), and waits for them all. It returns how many it fired.
func pace(rate int, until time.Duration, fire func(k int)) int {
	interval := time.Duration(float64(time.Second) / float64(rate))
	var inflight sync.WaitGroup
	next := now()
	k := 0
	for ; next < until; k++ {
		if d := next - now(); d > 0 {
			time.Sleep(d)
		}
		inflight.Add(1)
		go func(k int) {
			defer inflight.Done()
			fire(k)
		}(k)
		next += interval
	}
	inflight.Wait()
	return k
}

// ---------------------------------------------------------------- queue

// queue: -moderators moderators, each signed in with its own WebSocket subscribed to `moderation`, while the staff
// member submits -rate public versions per second, round-robin over -threads answered letters (a submission on a
// letter whose previous version still waits supersedes it). For each submission sent in the window: the time from
// just before the request is sent until the last moderator's socket has the `submitted` event of that item.
func queue(o options) {
	staff := login(o, o.staffName)
	fmt.Fprintf(os.Stderr, "livebench: %d answered letters that agree to publication…\n", o.threads)
	threads := answeredLetters(o, staff, o.threads, "q")

	type arrival struct {
		count       int
		first, last time.Duration
	}
	var mu sync.Mutex
	arrivals := map[int64]*arrival{}
	events := map[string]int{}
	socketErrors := map[string]int{}
	var stopping atomic.Bool
	var disconnected atomic.Int64
	conns := make([]*websocket.Conn, o.moderators)
	for i := range conns {
		cookie := login(o, o.moderatorPrefix+strconv.Itoa(i))
		conn, err := dial(o, cookie)
		if err != nil {
			fatal("dial moderator", err)
		}
		if err := conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"subscribe","topic":"moderation"}`)); err != nil {
			fatal("subscribe", err)
		}
		_, data, err := conn.ReadMessage()
		if err != nil || !bytes.HasPrefix(data, []byte(`{"type":"subscribed"`)) {
			fatal("subscribe", fmt.Errorf("moderator %d: %s %v", i, data, err))
		}
		conns[i] = conn
	}
	var readers sync.WaitGroup
	for _, conn := range conns {
		readers.Add(1)
		go func(conn *websocket.Conn) {
			defer readers.Done()
			for {
				_, data, err := conn.ReadMessage()
				at := now()
				if err != nil {
					if !stopping.Load() {
						disconnected.Add(1)
					}
					return
				}
				event := scanString(data, `"event":"`)
				mu.Lock()
				if event == "" {
					if code := scanString(data, `"error":"`); code != "" {
						socketErrors[code]++
					}
				} else {
					events[event]++
					if event == "submitted" {
						id := scanInt(data, `"item":{"id":`)
						a := arrivals[id]
						if a == nil {
							a = &arrival{first: at}
							arrivals[id] = a
						}
						a.count++
						if at > a.last {
							a.last = at
						}
					}
				}
				mu.Unlock()
			}
		}(conn)
	}

	type submission struct {
		sent, acked time.Duration
		id          int64
	}
	var submissions []submission
	refusals := map[string]int{}
	w := measureWindow(o)
	fmt.Fprintf(os.Stderr, "livebench: %d moderators watching; %d public versions/s for %v after %v…\n", o.moderators, o.rate, o.duration, o.warmup)
	fired := pace(o.rate, w.to, func(k int) {
		t0 := now()
		version, refusal, err := submitPublic(o, staff, threads[k%len(threads)], "q"+strconv.Itoa(k))
		t1 := now()
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err != nil:
			refusals["network"]++
		case refusal != "":
			refusals[refusal]++
		default:
			submissions = append(submissions, submission{sent: t0, acked: t1, id: version.ID})
		}
	})
	use := <-w.cpu
	http := connects.String()
	time.Sleep(2 * time.Second) // the last events
	stopping.Store(true)
	for _, c := range conns {
		c.Close()
	}
	readers.Wait()

	var latencies, firsts, acks []time.Duration
	sent, lost, partial, doubled := 0, 0, 0, 0
	for _, s := range submissions {
		if !w.contains(s.sent) {
			continue
		}
		sent++
		acks = append(acks, s.acked-s.sent)
		a := arrivals[s.id]
		switch {
		case a == nil:
			lost++
		case a.count < o.moderators:
			partial++
		default:
			if a.count > o.moderators {
				doubled++
			}
			latencies = append(latencies, a.last-s.sent)
			firsts = append(firsts, a.first-s.sent)
		}
	}
	refused := 0
	for _, n := range refusals {
		refused += n
	}
	offered := float64(fired) / (w.to - w.from + o.warmup).Seconds()
	fmt.Printf("queue: %d moderators, %d letters round-robin, %d public versions (-text %d) sent in the %v window (%.0f/s offered, %.1f/s sent), %d refused %s; "+
		"submit sent → last moderator has `submitted` p50 %.2f ms p99 %.2f ms max %.2f ms (%d measured); → first moderator p50 %.2f ms p99 %.2f ms; "+
		"submit sent → 201 p50 %.2f ms p99 %.2f ms; lost %d (no moderator) + %d (some moderators), doubled %d; events %s; socket errors %s; %d moderators disconnected; %s; %v\n",
		o.moderators, len(threads), sent, o.text, o.duration, float64(o.rate), offered, refused, counts(refusals),
		ms(percentile(latencies, 50)), ms(percentile(latencies, 99)), ms(percentile(latencies, 100)), len(latencies),
		ms(percentile(firsts, 50)), ms(percentile(firsts, 99)), ms(percentile(acks, 50)), ms(percentile(acks, 99)),
		lost, partial, doubled, counts(events), counts(socketErrors), disconnected.Load(), http, use)
	fmt.Printf("LIVEBENCH mode=queue moderators=%d threads=%d rate=%d text=%d sent=%d refused=%d queue_p50_ms=%.2f queue_p99_ms=%.2f queue_max_ms=%.2f measured=%d first_p50_ms=%.2f ack_p50_ms=%.2f ack_p99_ms=%.2f lost=%d partial=%d doubled=%d disconnected=%d %s\n",
		o.moderators, len(threads), o.rate, o.text, sent, refused, ms(percentile(latencies, 50)), ms(percentile(latencies, 99)), ms(percentile(latencies, 100)),
		len(latencies), ms(percentile(firsts, 50)), ms(percentile(acks, 50)), ms(percentile(acks, 99)), lost, partial, doubled, disconnected.Load(), use.fields())
}

// ---------------------------------------------------------------- messages

// messages: -watchers watchers of the public board (`messages`, and with -figures the `figures` topic too), each its
// own WebSocket read by one epoll loop, while a moderator approves -rate public versions per second (submitted
// beforehand, one per answered letter: an approved letter takes no new version). For each approval acknowledged in
// the window: the time from its acknowledgement until, in every phase group, the first delta listing the item in
// `data.published` had reached the group's last watcher. With -letters N, citizens also write N letters a second, so
// the figures move: each letter's acknowledgement → the last watcher's figures with `received` counting it.
func messages(o options) {
	staff := login(o, o.staffName)
	moderator := login(o, o.moderatorPrefix+"0")
	total := int(float64(o.rate)*(o.warmup+o.duration).Seconds()*1.1) + 20
	fmt.Fprintf(os.Stderr, "livebench: %d answered letters that agree to publication, and their public versions…\n", total)
	threads := answeredLetters(o, staff, total, "m")
	versions := make([]int64, total)
	parallel(16, total, func(i int) {
		version, refusal, err := submitPublic(o, staff, threads[i], "m"+strconv.Itoa(i))
		if err != nil || refusal != "" {
			fatal("submit", fmt.Errorf("letter %d: %s %v", threads[i], refusal, err))
		}
		versions[i] = version.ID
	})
	sort.Slice(versions, func(i, j int) bool { return versions[i] < versions[j] })

	topics := []string{"messages"}
	if o.figures {
		topics = append(topics, "figures")
	}
	fmt.Fprintf(os.Stderr, "livebench: %d watchers of %v…\n", o.watchers, topics)
	watchers := make([]*rawWatcher, o.watchers)
	var dialers sync.WaitGroup
	next := make(chan int, o.watchers)
	for i := range watchers {
		next <- i
	}
	close(next)
	for d := 0; d < 100; d++ {
		dialers.Add(1)
		go func() {
			defer dialers.Done()
			for i := range next {
				fd, leftover, err := dialRaw(o.base, topics...)
				if err != nil {
					fatal("dial watcher", err)
				}
				watchers[i] = &rawWatcher{fd: fd, buffer: leftover}
			}
		}()
	}
	dialers.Wait()

	// One delta of one phase group of one topic: when it reached its first and last watcher, how many got it, and
	// what it says (the board's published ids, or the figures' received count).
	type delta struct {
		first, last time.Duration
		arrivals    int
		bytes       int
		items       []int64
		reset       bool
		received    int64
	}
	type group struct {
		topic int
		epoch string
	}
	deltas := map[group]map[uint64]*delta{}
	var counting, stopped atomic.Bool
	var snapshots, others atomic.Int64
	stop := make(chan struct{})
	readerDone := make(chan error, 1)
	go func() {
		readerDone <- runRawFrames(watchers, stop, func(w *rawWatcher, payload []byte, arrived time.Duration) {
			snapshot := bytes.HasPrefix(payload, []byte(`{"type":"snapshot"`))
			if !snapshot && !bytes.HasPrefix(payload, []byte(`{"type":"delta"`)) {
				others.Add(1)
				return
			}
			t := 0
			if bytes.HasPrefix(payload[bytes.IndexByte(payload, ',')+1:], []byte(`"topic":"figures"`)) {
				t = 1
			}
			seq := uint64(scanInt(payload, `"seq":`))
			epoch := scanString(payload, `"epoch":"`)
			ts := &w.topics[t]
			if snapshot {
				ts.epoch, ts.lastSeq = epoch, seq
				snapshots.Add(1)
				return
			}
			if epoch != ts.epoch || seq <= ts.lastSeq {
				return
			}
			if seq > ts.lastSeq+1 {
				ts.gaps++
			}
			ts.lastSeq = seq
			if counting.Load() && !stopped.Load() {
				ts.deltas++
			}
			key := group{t, epoch}
			g := deltas[key]
			if g == nil {
				g = map[uint64]*delta{}
				deltas[key] = g
			}
			d := g[seq]
			if d == nil {
				d = &delta{first: arrived, bytes: len(payload)}
				if t == 0 {
					d.items = publishedIDs(payload)
					d.reset = bytes.Contains(payload, []byte(`"reset":true`))
				} else {
					d.received = scanInt(payload, `"overall":{"received":`)
				}
				g[seq] = d
			}
			if arrived > d.last {
				d.last = arrived
			}
			d.arrivals++
		})
	}()
	for deadline := now() + 2*time.Minute; snapshots.Load() < int64(o.watchers*len(topics)); {
		select {
		case err := <-readerDone:
			fatal("watchers", err)
		default:
		}
		if now() > deadline {
			fatal("snapshots", fmt.Errorf("%d of %d snapshots", snapshots.Load(), o.watchers*len(topics)))
		}
		time.Sleep(10 * time.Millisecond)
	}
	members := map[group]int{}
	for _, w := range watchers {
		for t := range topics {
			members[group{t, w.topics[t].epoch}]++
		}
	}

	// The letters that move the figures: one writer, so the k-th letter is counted as received₀ + k.
	type letter struct {
		acked    time.Duration
		received int64
	}
	var letters []letter
	letterRefusals := map[string]int{}
	var lettersDone sync.WaitGroup
	w := measureWindow(o)
	if o.figures && o.letters > 0 {
		var figures struct {
			Overall struct {
				Received int64 `json:"received"`
			} `json:"overall"`
		}
		mustCall(o, "GET", "/api/figures", "", nil, &figures)
		cookie, err := citizenCookie(o)
		if err != nil {
			fatal("session", err)
		}
		received := figures.Overall.Received
		lettersDone.Add(1)
		go func() {
			defer lettersDone.Done()
			interval := time.Duration(float64(time.Second) / float64(o.letters))
			for k, at := 0, now(); at < w.to; k, at = k+1, at+interval {
				if d := at - now(); d > 0 {
					time.Sleep(d)
				}
				_, _, refusal, err := call(o, "POST", "/api/threads", cookie, map[string]any{
					"id": "f" + strconv.Itoa(k), "kind": "suggestion", "subject": "Figures letter " + strconv.Itoa(k),
					"body": "A letter during the benchmark, number " + strconv.Itoa(k) + ".", "publish": false,
				}, nil)
				switch {
				case err != nil:
					letterRefusals["network"]++
					return
				case refusal != "":
					letterRefusals[refusal]++
					return // the count no longer says which letter is which
				}
				received++
				letters = append(letters, letter{acked: now(), received: received})
			}
		}()
	}

	type approval struct {
		sent, acked time.Duration
		id          int64
	}
	var mu sync.Mutex
	var approvals []approval
	refusals := map[string]int{}
	go func() {
		time.Sleep(w.from - now())
		counting.Store(true)
		time.Sleep(w.to - now())
		counting.Store(false)
	}()
	fmt.Fprintf(os.Stderr, "livebench: approving %d public versions/s for %v after %v…\n", o.rate, o.duration, o.warmup)
	fired := pace(o.rate, w.to, func(k int) {
		if k >= len(versions) {
			mu.Lock()
			refusals["bench.out_of_versions"]++
			mu.Unlock()
			return
		}
		id := versions[k]
		t0 := now()
		_, _, refusal, err := call(o, "POST", "/api/moderation/items/"+strconv.FormatInt(id, 10)+"/approve", moderator,
			map[string]string{"id": "a" + strconv.FormatInt(id, 10)}, nil)
		t1 := now()
		mu.Lock()
		defer mu.Unlock()
		switch {
		case err != nil:
			refusals["network"]++
		case refusal != "":
			refusals[refusal]++
		default:
			approvals = append(approvals, approval{sent: t0, acked: t1, id: id})
		}
	})
	use := <-w.cpu
	http := connects.String()
	lettersDone.Wait()
	if o.figures && o.letters > 0 {
		time.Sleep(3 * time.Second) // the figures are counted again at most once a second (directLine.figuresIntervalMs)
	} else {
		time.Sleep(2 * time.Second)
	}
	stopped.Store(true)
	close(stop)
	disconnected := 0
	if err := <-readerDone; err != nil {
		disconnected = 1
		fmt.Fprintln(os.Stderr, "livebench:", err)
	}
	for _, w := range watchers {
		syscall.Close(w.fd)
	}

	// Per group, in seq order: the first delta listing each item, and the first reaching each received count.
	type listing struct {
		seqs  []uint64
		d     map[uint64]*delta
		first map[int64]*delta
	}
	groups := map[group]*listing{}
	var fanouts []time.Duration
	resets, boardDeltas, boardBytes := 0, 0, 0
	for key, g := range deltas {
		l := &listing{d: g, first: map[int64]*delta{}}
		for seq, d := range g {
			l.seqs = append(l.seqs, seq)
			if key.topic == 0 && d.arrivals == members[key] && w.contains(d.first) {
				fanouts = append(fanouts, d.last-d.first)
			}
			if key.topic == 0 && w.contains(d.first) {
				boardDeltas++
				boardBytes += d.bytes
			}
			if d.reset {
				resets++
			}
		}
		sort.Slice(l.seqs, func(i, j int) bool { return l.seqs[i] < l.seqs[j] })
		for _, seq := range l.seqs {
			for _, item := range g[seq].items {
				if l.first[item] == nil {
					l.first[item] = g[seq]
				}
			}
		}
		groups[key] = l
	}
	boardGroups, figureGroups := 0, 0
	for key := range members {
		if key.topic == 0 {
			boardGroups++
		} else {
			figureGroups++
		}
	}
	// When the last watcher of `topic` had the delta `find` picks in each of its phase groups; -1 if a group has no such
	// delta yet or not every member of the group got it.
	lastWatcher := func(topic int, find func(*listing) *delta) time.Duration {
		worst := time.Duration(-1)
		for key, count := range members {
			if key.topic != topic {
				continue
			}
			var d *delta
			if l := groups[key]; l != nil {
				d = find(l)
			}
			if d == nil || d.arrivals < count {
				return -1
			}
			if d.last > worst {
				worst = d.last
			}
		}
		return worst
	}
	var effects, fromSent, acks []time.Duration
	incomplete := 0
	for _, a := range approvals {
		if !w.contains(a.acked) {
			continue
		}
		acks = append(acks, a.acked-a.sent)
		worst := lastWatcher(0, func(l *listing) *delta { return l.first[a.id] })
		if worst < 0 {
			incomplete++
			continue
		}
		effects = append(effects, worst-a.acked)
		fromSent = append(fromSent, worst-a.sent)
	}
	var figureEffects []time.Duration
	figureIncomplete := 0
	for _, lt := range letters {
		if !w.contains(lt.acked) {
			continue
		}
		worst := lastWatcher(1, func(l *listing) *delta {
			for _, seq := range l.seqs {
				if l.d[seq].received >= lt.received {
					return l.d[seq]
				}
			}
			return nil
		})
		if worst < 0 {
			figureIncomplete++
			continue
		}
		figureEffects = append(figureEffects, worst-lt.acked)
	}
	boardUpdates, figureUpdates, gaps := 0, 0, 0
	for _, wt := range watchers {
		boardUpdates += wt.topics[0].deltas
		figureUpdates += wt.topics[1].deltas
		gaps += wt.topics[0].gaps + wt.topics[1].gaps
	}
	perWatcher := func(n int) float64 { return float64(n) / float64(o.watchers) / o.duration.Seconds() }
	refused := 0
	for _, n := range refusals {
		refused += n
	}
	sentInWindow := 0
	for _, a := range approvals {
		if w.contains(a.sent) {
			sentInWindow++
		}
	}
	meanDelta := 0
	if boardDeltas > 0 {
		meanDelta = boardBytes / boardDeltas
	}
	figuresText := "figures not watched"
	if o.figures {
		figuresText = fmt.Sprintf("figures: %d groups, %.2f updates per watcher per second, %d letters written (%.1f/s asked) %s, letter acked → last watcher's figures count it p50 %.1f ms p99 %.1f ms max %.1f ms (%d measured, %d incomplete)",
			figureGroups, perWatcher(figureUpdates), len(letters), o.letters, counts(letterRefusals),
			ms(percentile(figureEffects, 50)), ms(percentile(figureEffects, 99)), ms(percentile(figureEffects, 100)), len(figureEffects), figureIncomplete)
	}
	fmt.Printf("messages: %d watchers of %v, board in %d groups; %d approvals fired (%d/s asked; %d approved in the %v window), %d refused %s; "+
		"approval acked → last watcher has it p50 %.1f ms p99 %.1f ms max %.1f ms (%d measured, %d incomplete); approval sent → last watcher p50 %.1f ms p99 %.1f ms; "+
		"approve sent → 200 p50 %.2f ms p99 %.2f ms; %.2f board updates per watcher per second of %d bytes on average (-text %d); one board delta's fan-out first→last watcher p50 %.1f ms p99 %.1f ms; "+
		"%d resets; %d gaps; %d other messages; %d watchers disconnected; %s; %s; %v\n",
		o.watchers, topics, boardGroups, fired, o.rate, sentInWindow, o.duration, refused, counts(refusals),
		ms(percentile(effects, 50)), ms(percentile(effects, 99)), ms(percentile(effects, 100)), len(effects), incomplete,
		ms(percentile(fromSent, 50)), ms(percentile(fromSent, 99)), ms(percentile(acks, 50)), ms(percentile(acks, 99)),
		perWatcher(boardUpdates), meanDelta, o.text, ms(percentile(fanouts, 50)), ms(percentile(fanouts, 99)), resets, gaps, others.Load(), disconnected, http, figuresText, use)
	fmt.Printf("LIVEBENCH mode=messages watchers=%d topics=%d groups=%d rate=%d approved=%d refused=%d effect_p50_ms=%.1f effect_p99_ms=%.1f effect_max_ms=%.1f measured=%d incomplete=%d sent_effect_p99_ms=%.1f ack_p50_ms=%.2f ack_p99_ms=%.2f updates_per_watcher_per_s=%.2f delta_bytes=%d text=%d fanout_p50_ms=%.1f fanout_p99_ms=%.1f resets=%d gaps=%d disconnected=%d figure_updates_per_watcher_per_s=%.2f letters=%d figures_p50_ms=%.1f figures_p99_ms=%.1f figures_incomplete=%d %s\n",
		o.watchers, len(topics), boardGroups, o.rate, sentInWindow, refused, ms(percentile(effects, 50)), ms(percentile(effects, 99)), ms(percentile(effects, 100)),
		len(effects), incomplete, ms(percentile(fromSent, 99)), ms(percentile(acks, 50)), ms(percentile(acks, 99)), perWatcher(boardUpdates),
		meanDelta, o.text, ms(percentile(fanouts, 50)), ms(percentile(fanouts, 99)), resets, gaps, disconnected, perWatcher(figureUpdates), len(letters),
		ms(percentile(figureEffects, 50)), ms(percentile(figureEffects, 99)), figureIncomplete, use.fields())
}

// publishedIDs reads the ids of a board delta's `data.published` items ({"id":N,… each; no text can hold `{"id":`
// unescaped).
func publishedIDs(payload []byte) []int64 {
	start := bytes.Index(payload, []byte(`"published":[`))
	if start < 0 {
		return nil
	}
	rest := payload[start:]
	if end := bytes.Index(rest, []byte(`"withdrawn":`)); end >= 0 {
		rest = rest[:end]
	}
	var ids []int64
	marker := []byte(`{"id":`)
	for {
		i := bytes.Index(rest, marker)
		if i < 0 {
			return ids
		}
		rest = rest[i+len(marker):]
		var n int64
		j := 0
		for ; j < len(rest) && rest[j] >= '0' && rest[j] <= '9'; j++ {
			n = n*10 + int64(rest[j]-'0')
		}
		ids = append(ids, n)
		rest = rest[j:]
	}
}
