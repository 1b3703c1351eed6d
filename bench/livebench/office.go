package main

// The office side of issue 10's benchmarks: staff and moderator sessions over HTTP, letters that agree to publication
// and their answers, public versions. bench/live.sh creates the accounts (`lastword user add`) before the server starts:
// one staff member of the triage department (-staff) and moderators named -moderator-prefix0, 1, … (-password).

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

var httpClient = &http.Client{
	Timeout: 60 * time.Second,
	Transport: &http.Transport{
		MaxIdleConns:        512,
		MaxIdleConnsPerHost: 512,
		DisableCompression:  true,
		IdleConnTimeout:     5 * time.Minute,
	},
}

// connects counts the HTTP client's new connections and their slowest connect (a SYN the server's kernel dropped
// shows as a connect of 1 s or more: the retransmission timeout).
var connects connectStats

type connectStats struct {
	mu      sync.Mutex
	count   int
	slowest time.Duration
}

func (c *connectStats) record(d time.Duration) {
	c.mu.Lock()
	c.count++
	if d > c.slowest {
		c.slowest = d
	}
	c.mu.Unlock()
}

// take returns the connections since the last take and the slowest of them.
func (c *connectStats) take() (int, time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, d := c.count, c.slowest
	c.count, c.slowest = 0, 0
	return n, d
}

func (c *connectStats) String() string {
	n, d := c.take()
	return fmt.Sprintf("%d new HTTP connections, slowest connect %.1f ms", n, ms(d))
}

// apiError is the body of a refused request.
type apiError struct {
	Error   string `json:"error"`
	Message string `json:"message"`
}

// call sends method path with body (JSON, or none) and cookie, and decodes a 2xx answer into out (when not nil).
// It returns the status, the cookies set, and for a refusal the error code.
func call(o options, method, path, cookie string, body any, out any) (status int, cookies []*http.Cookie, refusal string, err error) {
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return 0, nil, "", err
		}
		reader = bytes.NewReader(data)
	}
	request, err := http.NewRequest(method, o.base+path, reader)
	if err != nil {
		return 0, nil, "", err
	}
	if body != nil {
		request.Header.Set("Content-Type", "application/json")
	}
	if cookie != "" {
		request.Header.Set("Cookie", cookie)
	}
	var connectStart time.Time
	request = request.WithContext(httptrace.WithClientTrace(request.Context(), &httptrace.ClientTrace{
		ConnectStart: func(string, string) { connectStart = time.Now() },
		ConnectDone: func(_, _ string, err error) {
			if err == nil {
				connects.record(time.Since(connectStart))
			}
		},
	}))
	response, err := httpClient.Do(request)
	if err != nil {
		return 0, nil, "", err
	}
	defer response.Body.Close()
	data, err := io.ReadAll(response.Body)
	if err != nil {
		return response.StatusCode, nil, "", err
	}
	if response.StatusCode >= 300 {
		var e apiError
		_ = json.Unmarshal(data, &e)
		if e.Error == "" {
			e.Error = "http." + strconv.Itoa(response.StatusCode)
		}
		return response.StatusCode, response.Cookies(), e.Error, nil
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return response.StatusCode, response.Cookies(), "", fmt.Errorf("%s %s: %v", method, path, err)
		}
	}
	return response.StatusCode, response.Cookies(), "", nil
}

// mustCall is call for the set-up: anything but a 2xx answer ends the run.
func mustCall(o options, method, path, cookie string, body any, out any) []*http.Cookie {
	status, cookies, refusal, err := call(o, method, path, cookie, body, out)
	if err != nil {
		fatal(method+" "+path, err)
	}
	if refusal != "" {
		fatal(method+" "+path, fmt.Errorf("status %d %s", status, refusal))
	}
	return cookies
}

// login signs a staff member, moderator or admin in and returns the session cookie.
func login(o options, name string) string {
	cookies := mustCall(o, "POST", "/api/staff/login", "", map[string]string{"name": name, "password": o.password}, nil)
	for _, c := range cookies {
		if c.Name == "lw_staff" {
			return c.Name + "=" + c.Value
		}
	}
	fatal("login", fmt.Errorf("%s: no lw_staff cookie (did bench/live.sh create the account?)", name))
	return ""
}

// parallel runs work(0..n-1) on `workers` goroutines.
func parallel(workers, n int, work func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				work(i)
			}
		}()
	}
	wg.Wait()
}

// answeredLetters has citizens write n letters that agree to publication (tag keeps their client ids and texts apart
// from another call's) and the staff member answer each; it returns the letters' thread ids.
func answeredLetters(o options, staffCookie string, n int, tag string) []int64 {
	const lettersPerCitizen = 20
	citizens := make([]string, (n+lettersPerCitizen-1)/lettersPerCitizen)
	for i := range citizens {
		cookie, err := citizenCookie(o)
		if err != nil {
			fatal("session", err)
		}
		citizens[i] = cookie
	}
	codes := make([]string, n)
	parallel(16, n, func(i int) {
		var answer struct {
			Thread struct {
				Code string `json:"code"`
			} `json:"thread"`
		}
		mustCall(o, "POST", "/api/threads", citizens[i/lettersPerCitizen], map[string]any{
			"id": fmt.Sprintf("%s-letter-%d", tag, i), "kind": "enquiry", "subject": fmt.Sprintf("Bench letter %s %d", tag, i),
			"body":    fmt.Sprintf("Benchmark letter %s number %d: when will the street lights on my road be repaired?", tag, i),
			"publish": true,
		}, &answer)
		codes[i] = answer.Thread.Code
	})
	// The staff ids of the letters, from the inbox (the citizens' answers carry only the query code).
	byCode := map[string]int64{}
	before := ""
	for {
		var page struct {
			Threads []struct {
				ID   int64  `json:"id"`
				Code string `json:"code"`
			} `json:"threads"`
			Next *string `json:"next"`
		}
		path := "/api/staff/threads?limit=200"
		if before != "" {
			path += "&before=" + url.QueryEscape(before)
		}
		mustCall(o, "GET", path, staffCookie, nil, &page)
		for _, t := range page.Threads {
			byCode[t.Code] = t.ID
		}
		if page.Next == nil || len(page.Threads) == 0 {
			break
		}
		before = *page.Next
	}
	ids := make([]int64, n)
	for i, code := range codes {
		id, ok := byCode[code]
		if !ok {
			fatal("inbox", fmt.Errorf("letter %s is not in the staff member's inbox", code))
		}
		ids[i] = id
	}
	parallel(16, n, func(i int) {
		mustCall(o, "POST", "/api/staff/threads/"+strconv.FormatInt(ids[i], 10)+"/messages", staffCookie,
			map[string]string{"id": fmt.Sprintf("%s-answer-%d", tag, i), "body": fmt.Sprintf("The office's answer to letter %d: next week.", i)}, nil)
	})
	return ids
}

// publicVersion is what the benchmarks read of a PublicVersion.
type publicVersion struct {
	ID     int64  `json:"id"`
	Thread int64  `json:"thread"`
	Status string `json:"status"`
}

// submitPublic submits a public version of thread (client id `id`) and returns it, or the refusal's code. The texts
// are short English sentences, or with -text N, N Chinese characters each (3 bytes each in UTF-8, as a real letter).
func submitPublic(o options, staffCookie string, thread int64, id string) (publicVersion, string, error) {
	question := "Public question " + id + ": when will the street lights be repaired?"
	answer := "Public answer " + id + ": the lights are repaired next week."
	if o.text > 0 {
		question = chineseText("问"+id+"：", "请问我家门前那条路的路灯坏了两个月，什么时候能修好？晚上出行很不方便。", o.text)
		answer = chineseText("答"+id+"：", "您好，经核实，该路段路灯已列入本月维修计划，预计下周完成，感谢您的监督。", o.text)
	}
	var reply struct {
		Version publicVersion `json:"version"`
	}
	_, _, refusal, err := call(o, "POST", "/api/staff/threads/"+strconv.FormatInt(thread, 10)+"/public", staffCookie, map[string]string{
		"id": id, "question": question, "answer": answer,
	}, &reply)
	return reply.Version, refusal, err
}

// chineseText is prefix followed by sentence repeated, n characters in all.
func chineseText(prefix, sentence string, n int) string {
	text := []rune(prefix)
	for s := []rune(sentence); len(text) < n; {
		text = append(text, s...)
	}
	return string(text[:n])
}

// scanInt reads the unsigned integer that follows key in data (-1 if key is absent).
func scanInt(data []byte, key string) int64 {
	i := bytes.Index(data, []byte(key))
	if i < 0 {
		return -1
	}
	var n int64
	j := i + len(key)
	for ; j < len(data) && data[j] >= '0' && data[j] <= '9'; j++ {
		n = n*10 + int64(data[j]-'0')
	}
	if j == i+len(key) {
		return -1
	}
	return n
}

// scanString reads the string value that follows key (which ends in `":"`) in data.
func scanString(data []byte, key string) string {
	i := bytes.Index(data, []byte(key))
	if i < 0 {
		return ""
	}
	rest := data[i+len(key):]
	if j := bytes.IndexByte(rest, '"'); j >= 0 {
		return string(rest[:j])
	}
	return ""
}

// counts prints a map of counts in a stable order ("{}" when empty).
func counts(m map[string]int) string {
	if len(m) == 0 {
		return "{}"
	}
	data, _ := json.Marshal(m) // keys sorted
	return string(data)
}
