package main

// Watchers for the board benchmark without gorilla/websocket or a goroutine each: 10,000 sockets read by one
// goroutine through its own epoll set, frames parsed in place. At 100,000 updates a second the generic client spent
// more time per message than the server; this one spends a fraction, so the measurement shows the server.

import (
	"bufio"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"
)

type rawWatcher struct {
	fd      int
	buffer  []byte
	epoch   string
	lastSeq uint64
	deltas  int
	gaps    int
	// Per topic (messages mode: the board and the figures): the phase group's epoch and the last seq applied.
	topics [2]topicState
}

type topicState struct {
	epoch   string
	lastSeq uint64
	deltas  int
	gaps    int
}

// dialRaw opens a WebSocket to base's /ws with a handwritten handshake and subscribes to each topic. It returns the
// socket's descriptor (non-blocking, owned by the caller) and any bytes that followed the handshake response.
func dialRaw(base string, topics ...string) (int, []byte, error) {
	u, err := url.Parse(base)
	if err != nil {
		return -1, nil, err
	}
	conn, err := net.DialTimeout("tcp", u.Host, 30*time.Second)
	if err != nil {
		return -1, nil, err
	}
	defer conn.Close()
	request := "GET /ws HTTP/1.1\r\nHost: " + u.Host + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := conn.Write([]byte(request)); err != nil {
		return -1, nil, err
	}
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	reader := bufio.NewReaderSize(conn, 4096)
	status, err := reader.ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "HTTP/1.1 101") {
		return -1, nil, fmt.Errorf("handshake: %q %v", status, err)
	}
	for {
		line, err := reader.ReadString('\n')
		if err != nil {
			return -1, nil, err
		}
		if line == "\r\n" {
			break
		}
	}
	leftover := make([]byte, reader.Buffered())
	_, _ = reader.Read(leftover)
	for _, topic := range topics {
		if _, err := conn.Write(maskedFrame(0x1, []byte(`{"type":"subscribe","topic":"`+topic+`"}`))); err != nil {
			return -1, nil, err
		}
	}
	file, err := conn.(*net.TCPConn).File() // a duplicate descriptor; the net.Conn is closed on return
	if err != nil {
		return -1, nil, err
	}
	fd := int(file.Fd())
	duplicate, err := syscall.Dup(fd)
	file.Close()
	if err != nil {
		return -1, nil, err
	}
	if err := syscall.SetNonblock(duplicate, true); err != nil {
		return -1, nil, err
	}
	return duplicate, leftover, nil
}

// maskedFrame is one client frame (RFC 6455 §5.3: clients mask) with a fixed key; payloads here are < 126 bytes.
func maskedFrame(opcode byte, payload []byte) []byte {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	frame := []byte{0x80 | opcode, 0x80 | byte(len(payload)), key[0], key[1], key[2], key[3]}
	for i, b := range payload {
		frame = append(frame, b^key[i%4])
	}
	return frame
}

// nextFrame takes one complete server frame (unmasked) off the front of buffer.
func nextFrame(buffer []byte) (opcode byte, payload []byte, rest []byte, ok bool) {
	if len(buffer) < 2 {
		return 0, nil, buffer, false
	}
	opcode = buffer[0] & 0x0f
	length := int(buffer[1] & 0x7f)
	header := 2
	switch length {
	case 126:
		if len(buffer) < 4 {
			return 0, nil, buffer, false
		}
		length = int(buffer[2])<<8 | int(buffer[3])
		header = 4
	case 127:
		if len(buffer) < 10 {
			return 0, nil, buffer, false
		}
		length = 0
		for i := 2; i < 10; i++ {
			length = length<<8 | int(buffer[i])
		}
		header = 10
	}
	if len(buffer) < header+length {
		return 0, nil, buffer, false
	}
	return opcode, buffer[header : header+length], buffer[header+length:], true
}

// runRawWatchers reads every watcher until stop is closed, calling update for each snapshot or delta in arrival
// order (on this goroutine only).
func runRawWatchers(watchers []*rawWatcher, stop <-chan struct{}, update func(w *rawWatcher, m serverMessage, at time.Duration)) error {
	return runRawFrames(watchers, stop, func(w *rawWatcher, payload []byte, at time.Duration) { update(w, scanUpdate(payload), at) })
}

// runRawFrames reads every watcher until stop is closed, calling text for each text message in arrival order (on this
// goroutine only; payload is only valid during the call).
func runRawFrames(watchers []*rawWatcher, stop <-chan struct{}, text func(w *rawWatcher, payload []byte, at time.Duration)) error {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		return err
	}
	defer syscall.Close(epfd)
	byFD := map[int]*rawWatcher{}
	for _, w := range watchers {
		byFD[w.fd] = w
		event := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: int32(w.fd)}
		if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, w.fd, &event); err != nil {
			return err
		}
	}
	// consume handles every complete frame at the start of data and returns the rest.
	consume := func(w *rawWatcher, data []byte, at time.Duration) []byte {
		for {
			opcode, payload, rest, ok := nextFrame(data)
			if !ok {
				return data
			}
			switch opcode {
			case 0x1:
				text(w, payload, at)
			case 0x9: // ping: answer, or the server drops a watcher that never speaks
				_, _ = syscall.Write(w.fd, maskedFrame(0xA, payload))
			}
			data = rest
		}
	}
	handle := func(w *rawWatcher, at time.Duration) {
		// Keep the unconsumed tail at the start of the buffer.
		w.buffer = w.buffer[:copy(w.buffer, consume(w, w.buffer, at))]
	}
	for _, w := range watchers {
		handle(w, now())
	}
	events := make([]syscall.EpollEvent, 256)
	chunk := make([]byte, 64<<10)
	for {
		select {
		case <-stop:
			return nil
		default:
		}
		count, err := syscall.EpollWait(epfd, events, 100)
		if err != nil && err != syscall.EINTR {
			return err
		}
		at := now()
		for i := 0; i < count; i++ {
			w := byFD[int(events[i].Fd)]
			for {
				n, err := syscall.Read(w.fd, chunk)
				if n > 0 && n < len(chunk) && len(w.buffer) == 0 {
					// The common case: whole frames straight from the read buffer, no copy; only a partial tail is kept.
					w.buffer = append(w.buffer[:0], consume(w, chunk[:n], at)...)
				} else if n > 0 {
					w.buffer = append(w.buffer, chunk[:n]...)
				}
				if n < len(chunk) || err != nil {
					if n == 0 && err == nil {
						_ = syscall.EpollCtl(epfd, syscall.EPOLL_CTL_DEL, w.fd, nil)
						return fmt.Errorf("a watcher's connection was closed")
					}
					break
				}
			}
			if len(w.buffer) > 0 {
				handle(w, at)
			}
		}
	}
}
