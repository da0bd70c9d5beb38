package main

import (
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// tileHeight is the C2SP tlog-tiles tile height: 256 hashes per full tile.
const tileHeight = 8

// fullTileWidth is the number of hashes (or entries) in a full tile (bundle).
const fullTileWidth = 1 << tileHeight

// fetcher does the HTTP GETs and keeps the byte counts. Every resource it
// fetches is cached by path, so each path is fetched at most once per run.
//
// Byte counts:
//   - bodyBytes: the response bodies after any Content-Encoding: gzip has
//     been undone (the bytes the checker works with);
//   - wireBytes: the response bodies as they came over the connection
//     (compressed when the server answered with gzip); HTTP headers are not
//     counted in either.
type fetcher struct {
	base   string
	client *http.Client

	cache map[string][]byte

	requests     int   // every GET, the checkpoint included
	tileRequests int   // GETs of hash tiles and entry bundles
	bodyBytes    int64 // see above
	wireBytes    int64 // see above
	gzipAnswers  int   // responses that came with Content-Encoding: gzip
	warnings     []string
	verbose      bool // log every request on stderr
}

func newFetcher(base string, timeout time.Duration) *fetcher {
	return &fetcher{
		base: strings.TrimRight(base, "/"),
		client: &http.Client{
			Timeout: timeout,
			// We ask for gzip ourselves and undo it ourselves, so that the
			// compressed size on the wire can be counted.
			Transport: &http.Transport{DisableCompression: true, Proxy: nil},
		},
		cache: make(map[string][]byte),
	}
}

func (f *fetcher) warnf(format string, args ...interface{}) {
	f.warnings = append(f.warnings, fmt.Sprintf(format, args...))
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// get fetches <base>/<path> (uncached) and returns the decoded body.
// wantType, if not empty, is the Content-Type the spec asks for; a different
// one is only a warning.
func (f *fetcher) get(path, wantType string) ([]byte, error) {
	url := f.base + "/" + path
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept-Encoding", "gzip, identity")
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	f.requests++

	wire := &countingReader{r: resp.Body}
	var body io.Reader = wire
	switch enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip":
		f.gzipAnswers++
		zr, err := gzip.NewReader(wire)
		if err != nil {
			return nil, fmt.Errorf("GET %s: status %s: Content-Encoding: gzip but the body is not gzip: %v", url, resp.Status, err)
		}
		defer zr.Close()
		body = zr
	default:
		return nil, fmt.Errorf("GET %s: status %s: unrequested Content-Encoding %q", url, resp.Status, enc)
	}
	data, err := io.ReadAll(body)
	f.wireBytes += wire.n
	f.bodyBytes += int64(len(data))
	if err != nil {
		return nil, fmt.Errorf("GET %s: status %s: reading body: %v", url, resp.Status, err)
	}
	if f.verbose {
		fmt.Fprintf(os.Stderr, "tlogcheck: GET %s: %s, Content-Encoding %q, %d bytes on the wire, %d bytes of body\n",
			url, resp.Status, resp.Header.Get("Content-Encoding"), wire.n, len(data))
	}
	if resp.StatusCode != http.StatusOK {
		shown := string(data)
		if len(shown) > 2000 {
			shown = shown[:2000] + "...(truncated)"
		}
		return nil, fmt.Errorf("GET %s: status %s (want 200 OK); body: %q", url, resp.Status, shown)
	}
	if wantType != "" {
		if got := resp.Header.Get("Content-Type"); got != wantType {
			f.warnf("GET %s: Content-Type %q, the spec says %q", url, got, wantType)
		}
	}
	return data, nil
}

// getCached is get with the per-run cache.
func (f *fetcher) getCached(path, wantType string) ([]byte, error) {
	if data, ok := f.cache[path]; ok {
		return data, nil
	}
	data, err := f.get(path, wantType)
	if err != nil {
		return nil, err
	}
	f.cache[path] = data
	return data, nil
}

// c2spPath maps a sumdb tile (height 8) to its C2SP tlog-tiles path:
// sumdb's Path() is "tile/8/<L>/<N>[.p/<W>]"; C2SP drops the height element,
// and sumdb's data tiles "tile/8/data/<N>[.p/<W>]" are C2SP's entry bundles
// "tile/entries/<N>[.p/<W>]".
func c2spPath(t tlog.Tile) (string, error) {
	if t.H != tileHeight {
		return "", fmt.Errorf("tile %+v: height %d, this log has height %d", t, t.H, tileHeight)
	}
	p := t.Path()
	prefix := fmt.Sprintf("tile/%d/", tileHeight)
	if !strings.HasPrefix(p, prefix) {
		return "", fmt.Errorf("unexpected sumdb tile path %q", p)
	}
	rest := p[len(prefix):]
	if strings.HasPrefix(rest, "data/") {
		rest = "entries/" + rest[len("data/"):]
	}
	return "tile/" + rest, nil
}

// getTile fetches one hash tile or entry bundle by its sumdb coordinates.
// For hash tiles it checks the length: 8192 bytes for a full tile, W*32 for
// a partial one.
func (f *fetcher) getTile(t tlog.Tile) ([]byte, error) {
	path, err := c2spPath(t)
	if err != nil {
		return nil, err
	}
	_, cached := f.cache[path]
	data, err := f.getCached(path, "application/octet-stream")
	if err != nil {
		return nil, err
	}
	if !cached {
		f.tileRequests++
	}
	if t.L >= 0 && len(data) != t.W*tlog.HashSize {
		return nil, fmt.Errorf("%s/%s: %d bytes, a tile of width %d must be %d bytes", f.base, path, len(data), t.W, t.W*tlog.HashSize)
	}
	return data, nil
}

// tileReader is the tlog.TileReader x/mod's TileHashReader reads through.
type tileReader struct {
	f     *fetcher
	c     *checker
	asked int // tiles TileHashReader asked for, repeats counted
}

func (r *tileReader) Height() int { return tileHeight }

func (r *tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		r.asked++
		if t.L < 0 {
			return nil, fmt.Errorf("TileHashReader asked for a data tile %v", t.Path())
		}
		data, err := r.c.hashTileExact(t)
		if err != nil {
			return nil, err
		}
		out[i] = data
	}
	return out, nil
}

// SaveTiles: nothing is stored between runs.
func (r *tileReader) SaveTiles(tiles []tlog.Tile, data [][]byte) {}
