// tlsbench: the TLS load generator of bench/tls.sh (../shared/tools/wsbench speaks ws:// only).
//
//	tlsbench echo       -url wss://127.0.0.1:P/ws/echo -ca ca.pem -c 64 -size 32 -t 10s [-warmup 1s]
//	tlsbench handshakes -addr 127.0.0.1:P -c 32 -t 10s
//	tlsbench hold       -url wss://127.0.0.1:P/ws/echo -ca ca.pem -n 5000 -t 5s -server-pid PID
//
// echo: C connections, each a closed loop (send S bytes of text, wait for the same bytes back); round trips per
// second over the measured window and RTT percentiles. handshakes: C goroutines each opening a TCP connection, doing
// a full TLS handshake (no session resumption) and closing, for T; handshakes per second. hold: N idle wss://
// connections for T; the server's VmRSS before and after, per connection. Every mode with -server-pid also reports
// the server's CPU, this process's CPU and the machine's steal time over the window (in % of one core).
//
// The last line is `TLSBENCH mode=… key=value …`. Loopback targets only; every run is bounded in connections and time.
//
// Build (offline, Debian's golang-go and golang-github-gorilla-websocket-dev, GOPATH mode):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o /tmp/tlsbench/tlsbench ./bench/tlsbench
package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"net"
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

const (
	maxConnections = 20000
	maxDuration    = 5 * time.Minute
)

func main() {
	if len(os.Args) < 2 {
		fail("usage: tlsbench echo|handshakes|hold [flags]")
	}
	switch os.Args[1] {
	case "echo":
		echo(os.Args[2:])
	case "handshakes":
		handshakes(os.Args[2:])
	case "hold":
		hold(os.Args[2:])
	default:
		fail("unknown mode " + os.Args[1])
	}
}

func fail(message string) {
	fmt.Fprintln(os.Stderr, "tlsbench:", message)
	os.Exit(2)
}

// loopback refuses anything but 127.0.0.0/8 and ::1.
func loopback(host string) {
	if host == "localhost" {
		return
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		fail("refusing non-loopback target " + host)
	}
}

func bounded(d time.Duration) time.Duration {
	if d <= 0 || d > maxDuration {
		fail("durations must be between 0 and 5 minutes")
	}
	return d
}

func tlsConfig(caFile string) *tls.Config {
	config := &tls.Config{ServerName: "localhost"}
	if caFile == "" {
		// Handshakes per second measure the server: the client skips verifying the chain (an ECDSA verify and
		// certificate parsing per handshake on its own core). Echo and hold verify.
		config.InsecureSkipVerify = true
		return config
	}
	pem, err := os.ReadFile(caFile)
	if err != nil {
		fail(err.Error())
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		fail("no certificate in " + caFile)
	}
	config.RootCAs = pool
	return config
}

func dialer(caFile string) *websocket.Dialer {
	return &websocket.Dialer{TLSClientConfig: tlsConfig(caFile), HandshakeTimeout: 10 * time.Second,
		ReadBufferSize: 4096, WriteBufferSize: 4096}
}

func target(raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "wss" && u.Scheme != "ws") {
		fail("-url must be a wss:// (or ws://) URL")
	}
	loopback(u.Hostname())
	return u
}

// ---------------------------------------------------------------- CPU and memory from /proc

func ticks(path string, fields ...int) float64 {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	text := string(data)
	if i := strings.LastIndexByte(text, ')'); i >= 0 && strings.HasSuffix(path, "/stat") && !strings.HasPrefix(path, "/proc/stat") {
		text = text[i+2:] // after "pid (comm) ": field 3 (state) is index 0
	}
	parts := strings.Fields(text)
	total := 0.0
	for _, f := range fields {
		if f < len(parts) {
			v, _ := strconv.ParseFloat(parts[f], 64)
			total += v
		}
	}
	return total / 100 // USER_HZ
}

func processCPU(pid int) float64 { return ticks(fmt.Sprintf("/proc/%d/stat", pid), 11, 12) } // utime, stime
func stealCPU() float64          { return ticks("/proc/stat", 8) }                           // "cpu" line: steal is the 8th value

func vmRSS(pid int) int64 {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb
		}
	}
	return 0
}

type window struct {
	pid                 int
	start               time.Time
	server, self, steal float64
}

func startWindow(pid int) window {
	return window{pid: pid, start: time.Now(), server: processCPU(pid), self: processCPU(os.Getpid()), steal: stealCPU()}
}

func (w window) end() string {
	elapsed := time.Since(w.start).Seconds()
	server := (processCPU(w.pid) - w.server) / elapsed * 100
	self := (processCPU(os.Getpid()) - w.self) / elapsed * 100
	steal := (stealCPU() - w.steal) / elapsed * 100
	if w.pid == 0 {
		server = 0
	}
	return fmt.Sprintf("server_cpu_pct=%.0f client_cpu_pct=%.0f steal_pct=%.0f", server, self, steal)
}

// ---------------------------------------------------------------- echo

func echo(args []string) {
	fs := flag.NewFlagSet("echo", flag.ExitOnError)
	raw := fs.String("url", "", "wss:// URL of an echo endpoint")
	ca := fs.String("ca", "", "PEM file of the CA to trust")
	conns := fs.Int("c", 64, "connections")
	size := fs.Int("size", 32, "message bytes")
	duration := fs.Duration("t", 10*time.Second, "measured time")
	warmup := fs.Duration("warmup", time.Second, "time before measuring")
	pid := fs.Int("server-pid", 0, "server PID for CPU figures")
	label := fs.String("label", "", "label for the summary line")
	fs.Parse(args)
	u := target(*raw)
	if *conns < 1 || *conns > 1000 || *size < 1 || *size > 1<<20 {
		fail("-c must be 1..1000 and -size 1..1 MiB")
	}
	bounded(*duration)
	d := dialer(*ca)
	payload := bytes.Repeat([]byte("x"), *size)
	var measuring, stop atomic.Bool
	var count atomic.Int64
	var errors atomic.Int64
	samples := make([][]time.Duration, *conns)
	var ready, done sync.WaitGroup
	for i := 0; i < *conns; i++ {
		c, _, err := d.Dial(u.String(), nil)
		if err != nil {
			fail("dial: " + err.Error())
		}
		ready.Add(1)
		done.Add(1)
		go func(i int, c *websocket.Conn) {
			defer done.Done()
			defer c.Close()
			ready.Done()
			for !stop.Load() {
				start := time.Now()
				if err := c.WriteMessage(websocket.TextMessage, payload); err != nil {
					errors.Add(1)
					return
				}
				_, reply, err := c.ReadMessage()
				if err != nil || !bytes.Equal(reply, payload) {
					errors.Add(1)
					return
				}
				if measuring.Load() {
					count.Add(1)
					samples[i] = append(samples[i], time.Since(start))
				}
			}
		}(i, c)
	}
	ready.Wait()
	time.Sleep(*warmup)
	w := startWindow(*pid)
	measuring.Store(true)
	time.Sleep(*duration)
	measuring.Store(false)
	n := count.Load()
	cpu := w.end()
	elapsed := time.Since(w.start).Seconds()
	stop.Store(true)
	done.Wait()
	var all []time.Duration
	for _, s := range samples {
		all = append(all, s...)
	}
	sort.Slice(all, func(a, b int) bool { return all[a] < all[b] })
	pct := func(p float64) float64 {
		if len(all) == 0 {
			return 0
		}
		return float64(all[int(p*float64(len(all)-1))].Microseconds())
	}
	rate := float64(n) / elapsed
	fmt.Printf("echo over %s: %.0f msgs/s, RTT p50 %.0f µs p99 %.0f µs, errors %d; %s\n", u.Scheme, rate, pct(0.5), pct(0.99), errors.Load(), cpu)
	fmt.Printf("TLSBENCH mode=echo label=%s conns=%d size=%d msgs_per_s=%.0f rtt_p50_us=%.0f rtt_p99_us=%.0f errors=%d %s\n",
		*label, *conns, *size, rate, pct(0.5), pct(0.99), errors.Load(), cpu)
}

// ---------------------------------------------------------------- handshakes

func handshakes(args []string) {
	fs := flag.NewFlagSet("handshakes", flag.ExitOnError)
	addr := fs.String("addr", "", "host:port of the TLS listener")
	conns := fs.Int("c", 32, "handshakes in flight")
	duration := fs.Duration("t", 10*time.Second, "measured time")
	pid := fs.Int("server-pid", 0, "server PID for CPU figures")
	label := fs.String("label", "", "label for the summary line")
	fs.Parse(args)
	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		fail("-addr must be host:port")
	}
	loopback(host)
	if *conns < 1 || *conns > 1000 {
		fail("-c must be 1..1000")
	}
	bounded(*duration)
	config := tlsConfig("")
	var stop atomic.Bool
	var count, errors atomic.Int64
	var versions sync.Map
	var done sync.WaitGroup
	w := startWindow(*pid)
	deadline := time.Now().Add(*duration)
	for i := 0; i < *conns; i++ {
		done.Add(1)
		go func() {
			defer done.Done()
			for !stop.Load() && time.Now().Before(deadline) {
				raw, err := net.DialTimeout("tcp", *addr, 10*time.Second)
				if err != nil {
					errors.Add(1)
					time.Sleep(10 * time.Millisecond)
					continue
				}
				conn := tls.Client(raw, config) // a new config state each time: no session cache, full handshakes
				conn.SetDeadline(time.Now().Add(10 * time.Second))
				if err := conn.Handshake(); err != nil {
					errors.Add(1)
				} else {
					count.Add(1)
					versions.Store(versionName(conn.ConnectionState().Version)+"/"+tls.CipherSuiteName(conn.ConnectionState().CipherSuite), true)
				}
				conn.Close()
			}
		}()
	}
	done.Wait()
	cpu := w.end()
	elapsed := time.Since(w.start).Seconds()
	var agreed []string
	versions.Range(func(k, _ any) bool { agreed = append(agreed, k.(string)); return true })
	rate := float64(count.Load()) / elapsed
	fmt.Printf("handshakes: %.0f/s (%d in %.1f s), errors %d, agreed %s; %s\n", rate, count.Load(), elapsed, errors.Load(), strings.Join(agreed, ","), cpu)
	fmt.Printf("TLSBENCH mode=handshakes label=%s conns=%d handshakes_per_s=%.0f errors=%d agreed=%s %s\n",
		*label, *conns, rate, errors.Load(), strings.Join(agreed, ","), cpu)
}

func versionName(version uint16) string {
	switch version {
	case tls.VersionTLS13:
		return "TLS1.3"
	case tls.VersionTLS12:
		return "TLS1.2"
	}
	return fmt.Sprintf("0x%04x", version)
}

// ---------------------------------------------------------------- hold

func hold(args []string) {
	fs := flag.NewFlagSet("hold", flag.ExitOnError)
	raw := fs.String("url", "", "wss:// URL")
	ca := fs.String("ca", "", "PEM file of the CA to trust")
	n := fs.Int("n", 5000, "connections")
	duration := fs.Duration("t", 5*time.Second, "time held idle")
	pid := fs.Int("server-pid", 0, "server PID for VmRSS")
	label := fs.String("label", "", "label for the summary line")
	fs.Parse(args)
	u := target(*raw)
	if *n < 1 || *n > maxConnections || *pid == 0 {
		fail("-n must be 1..20000 and -server-pid is required")
	}
	bounded(*duration)
	var limit syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &limit) == nil {
		limit.Cur = limit.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &limit)
	}
	d := dialer(*ca)
	before := vmRSS(*pid)
	start := time.Now()
	conns := make([]*websocket.Conn, 0, *n)
	var mu sync.Mutex
	var failed atomic.Int64
	var wg sync.WaitGroup
	slots := make(chan struct{}, 100)
	for i := 0; i < *n; i++ {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			c, _, err := d.Dial(u.String(), nil)
			if err != nil {
				failed.Add(1)
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}()
	}
	wg.Wait()
	connectSeconds := time.Since(start).Seconds()
	var dropped atomic.Int64
	for _, c := range conns {
		go func(c *websocket.Conn) {
			if _, _, err := c.ReadMessage(); err != nil {
				dropped.Add(1)
			}
		}(c)
	}
	connected := vmRSS(*pid)
	time.Sleep(*duration)
	end := vmRSS(*pid)
	held := len(conns)
	for _, c := range conns {
		c.Close()
	}
	perConn := 0.0
	if held > 0 {
		perConn = float64(end-before) / float64(held)
	}
	dropsDuringHold := dropped.Load() - int64(0)
	fmt.Printf("hold: %d connected, %d failed, %.0f connects/s; server VmRSS %d KB before, %d connected, %d at the end: %.1f KB per connection; %d dropped\n",
		held, failed.Load(), float64(held)/connectSeconds, before, connected, end, perConn, dropsDuringHold)
	fmt.Printf("TLSBENCH mode=hold label=%s connected=%d failed=%d connect_per_s=%.0f rss_before_kb=%d rss_connected_kb=%d rss_end_kb=%d kb_per_conn=%.2f\n",
		*label, held, failed.Load(), float64(held)/connectSeconds, before, connected, end, perConn)
}
