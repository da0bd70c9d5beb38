// Command tlogcheck is an independent checker for a transparency log served
// in the C2SP tlog-tiles layout (https://c2sp.org/tlog-tiles) with a
// C2SP checkpoint (https://c2sp.org/tlog-checkpoint) signed as a C2SP signed
// note with Ed25519. It checks what it fetches with golang.org/x/mod's
// sumdb/note and sumdb/tlog wherever those apply, plus a few checks of its
// own (see README.md).
//
// Build (GOPATH mode, Debian's Go 1.19 and golang-golang-x-mod-dev; no
// network, no module proxy), from the repository root:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o /tmp/tlogcheck ./tests/interop/tlogcheck
//
// (GOPATH mode builds a main package outside GOPATH fine; its imports
// resolve under /usr/share/gocode/src. If the build cache is not writable,
// add GOCACHE=$(mktemp -d).)
//
// Run:
//
//	/tmp/tlogcheck -url http://127.0.0.1:7812 -vkey "$(cat DATA/checkpoint.vkey)" [-origin booo-ledger.local/dev]
//
// On success it prints one JSON line on stdout and exits 0; on any failure
// it prints a message on stderr and exits 1.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type checkpoint struct {
	raw        []byte
	origin     string
	size       int64
	root       tlog.Hash
	extensions []string
	keyNames   []string // names of the verified signatures
}

var sizeRE = regexp.MustCompile(`^(0|[1-9][0-9]*)$`)

// parseCheckpoint verifies the note's signature with verifier and parses
// its body: origin, decimal size (no leading zeroes), base64 root (32
// bytes), then optional non-empty extension lines. (tlog.ParseTree is not
// used: it insists on the go.sum origin.)
func parseCheckpoint(raw []byte, verifier note.Verifier, what string) (*checkpoint, error) {
	n, err := note.Open(raw, note.VerifierList(verifier))
	if err != nil {
		return nil, fmt.Errorf("%s: signed note does not verify with key %s: %v\n--- note ---\n%s", what, verifier.Name(), err, raw)
	}
	text := n.Text
	if !strings.HasSuffix(text, "\n") {
		return nil, fmt.Errorf("%s: note text does not end in a newline", what)
	}
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		return nil, fmt.Errorf("%s: note text has %d lines, a checkpoint needs at least 3 (origin, size, root)", what, len(lines))
	}
	cp := &checkpoint{raw: raw, origin: lines[0]}
	if cp.origin == "" {
		return nil, fmt.Errorf("%s: empty origin line", what)
	}
	if !sizeRE.MatchString(lines[1]) {
		return nil, fmt.Errorf("%s: tree size line %q is not a decimal without leading zeroes", what, lines[1])
	}
	cp.size, err = strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%s: tree size line %q: %v", what, lines[1], err)
	}
	rootBytes, err := base64.StdEncoding.Strict().DecodeString(lines[2])
	if err != nil || len(rootBytes) != tlog.HashSize || base64.StdEncoding.EncodeToString(rootBytes) != lines[2] {
		return nil, fmt.Errorf("%s: root hash line %q is not the standard base64 of 32 bytes", what, lines[2])
	}
	copy(cp.root[:], rootBytes)
	for i, l := range lines[3:] {
		if l == "" {
			return nil, fmt.Errorf("%s: extension line %d is empty", what, i+1)
		}
		cp.extensions = append(cp.extensions, l)
	}
	for _, s := range n.Sigs {
		cp.keyNames = append(cp.keyNames, s.Name)
	}
	return cp, nil
}

type result struct {
	Origin                   string   `json:"origin"`
	TreeSize                 int64    `json:"tree_size"`
	Root                     string   `json:"root"`
	Mode                     string   `json:"mode"`
	TilesFetched             int      `json:"tiles_fetched"`
	Requests                 int      `json:"requests"`
	BytesFetched             int64    `json:"bytes_fetched"`
	WireBytesFetched         int64    `json:"wire_bytes_fetched"`
	GzipResponses            int      `json:"gzip_responses"`
	InclusionChecked         int      `json:"inclusion_checked"`
	InclusionIndexes         []int64  `json:"inclusion_indexes,omitempty"`
	InclusionIndex           *int64   `json:"inclusion_index,omitempty"`
	ConsistencyFrom          *int64   `json:"consistency_from"`
	FullTilesCheckedVsParent int      `json:"full_tiles_checked_against_parent"`
	BundlesChecked           int      `json:"bundles_checked"`
	XmodTreeHashOK           bool     `json:"xmod_tree_hash_ok"`
	OwnRootOK                bool     `json:"own_root_ok"`
	AllTiles                 bool     `json:"all_tiles"`
	Seed                     int64    `json:"seed,omitempty"`
	VerifyExtraBytes         *int64   `json:"verify_extra_bytes,omitempty"`
	VerifyExtraTiles         *int     `json:"verify_extra_tiles,omitempty"`
	Warnings                 []string `json:"warnings,omitempty"`
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "tlogcheck: FAIL: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	var (
		url         = flag.String("url", "", "log prefix URL, e.g. http://127.0.0.1:7812 (required)")
		vkey        = flag.String("vkey", "", "checkpoint verifier key, x/mod note format name+hash+base64key")
		vkeyFile    = flag.String("vkey-file", "", "file holding the verifier key (instead of -vkey)")
		origin      = flag.String("origin", "", "if set, the checkpoint's origin line must equal this")
		samples     = flag.Int("samples", 16, "random leaf indexes to prove inclusion of (besides 0 and size-1)")
		seed        = flag.Int64("seed", 0, "random seed for -samples (0: from the clock; the seed used is reported)")
		oldCP       = flag.String("old-checkpoint", "", "checkpoint note saved earlier: prove the fetched tree consistent with it")
		saveCP      = flag.String("save-checkpoint", "", "write the checkpoint note fetched by this run to this file")
		allTiles    = flag.Bool("all-tiles", false, "also fetch and check every full hash tile and every entry bundle")
		inclBytes   = flag.Int64("inclusion-bytes", -1, "only prove leaf INDEX as a client would; report the bytes it needed")
		timeout     = flag.Duration("timeout", 30*time.Second, "per-request HTTP timeout")
		verbose     = flag.Bool("v", false, "log every HTTP request (URL, status, encoding, sizes) on stderr")
		warnKeyName = flag.Bool("warn-key-name", true, "warn when the signature's key name differs from the origin")
	)
	flag.Parse()
	if *url == "" || flag.NArg() != 0 {
		flag.Usage()
		os.Exit(2)
	}
	key := *vkey
	if *vkeyFile != "" {
		if key != "" {
			fail("give -vkey or -vkey-file, not both")
		}
		b, err := os.ReadFile(*vkeyFile)
		if err != nil {
			fail("%v", err)
		}
		key = strings.TrimSpace(string(b))
	}
	if key == "" {
		fail("a verifier key is required (-vkey or -vkey-file)")
	}
	verifier, err := note.NewVerifier(key)
	if err != nil {
		fail("verifier key %q: %v", key, err)
	}

	f := newFetcher(*url, *timeout)
	f.verbose = *verbose

	// The checkpoint.
	raw, err := f.get("checkpoint", "text/plain; charset=utf-8")
	if err != nil {
		fail("%v", err)
	}
	cp, err := parseCheckpoint(raw, verifier, f.base+"/checkpoint")
	if err != nil {
		fail("%v", err)
	}
	if *origin != "" && cp.origin != *origin {
		fail("%s/checkpoint: origin %q, want %q", f.base, cp.origin, *origin)
	}
	if *warnKeyName {
		for _, name := range cp.keyNames {
			if name != cp.origin {
				f.warnf("checkpoint signed under key name %q, not the origin %q (tlog-checkpoint: the key name SHOULD match the origin line)", name, cp.origin)
			}
		}
	}

	res := result{
		Origin:   cp.origin,
		TreeSize: cp.size,
		Root:     hex.EncodeToString(cp.root[:]),
		Mode:     "check",
		AllTiles: *allTiles,
	}

	c := newChecker(f, cp.size, cp.root)
	tr := &tileReader{f: f, c: c}
	hr := tlog.TileHashReader(tlog.Tree{N: cp.size, Hash: cp.root}, tr)

	if *inclBytes >= 0 {
		inclusionBytesMode(c, hr, cp, *inclBytes, &res)
		return
	}

	// The root: x/mod's TreeHash through TileHashReader, and this
	// program's own recomputation from the right-edge tiles.
	if cp.size == 0 {
		empty := tlog.Hash(sha256.Sum256(nil))
		if cp.root != empty {
			fail("%s/checkpoint: tree size 0 but root %x, RFC 6962's empty root is SHA-256(\"\") = %x", f.base, cp.root[:], empty[:])
		}
		res.XmodTreeHashOK = true // (x/mod's TreeHash(0) is all zeroes, not RFC 6962's; not used)
	} else {
		th, err := tlog.TreeHash(cp.size, hr)
		if err != nil {
			fail("x/mod tlog.TreeHash(%d) via TileHashReader: %v", cp.size, err)
		}
		if th != cp.root {
			fail("x/mod tlog.TreeHash(%d) = %x, checkpoint root %x", cp.size, th[:], cp.root[:])
		}
		res.XmodTreeHashOK = true
	}
	own, err := c.ownRoot()
	if err != nil {
		fail("own root recomputation: %v", err)
	}
	if own != cp.root {
		fail("own root recomputation from the right-edge tiles of tree %d = %x, checkpoint root %x", cp.size, own[:], cp.root[:])
	}
	res.OwnRootOK = true

	// Inclusion of 0, size-1 and -samples random leaves.
	if *seed == 0 {
		*seed = time.Now().UnixNano()
	}
	res.Seed = *seed
	if cp.size > 0 {
		rng := rand.New(rand.NewSource(*seed))
		set := map[int64]bool{0: true, cp.size - 1: true}
		for i := 0; i < *samples; i++ {
			set[rng.Int63n(cp.size)] = true
		}
		var idx []int64
		for i := range set {
			idx = append(idx, i)
		}
		sort.Slice(idx, func(i, j int) bool { return idx[i] < idx[j] })
		for _, i := range idx {
			if err := proveInclusion(c, hr, cp, i); err != nil {
				fail("%v", err)
			}
			res.InclusionChecked++
		}
		res.InclusionIndexes = idx
	}

	// Consistency with an older checkpoint.
	if *oldCP != "" {
		oldRaw, err := os.ReadFile(*oldCP)
		if err != nil {
			fail("%v", err)
		}
		old, err := parseCheckpoint(oldRaw, verifier, *oldCP)
		if err != nil {
			fail("%v", err)
		}
		if old.origin != cp.origin {
			fail("old checkpoint %s has origin %q, the log's is %q", *oldCP, old.origin, cp.origin)
		}
		if old.size > cp.size {
			fail("old checkpoint %s has size %d, larger than the log's current %d: the log went back", *oldCP, old.size, cp.size)
		}
		switch {
		case old.size == 0:
			empty := tlog.Hash(sha256.Sum256(nil))
			if old.root != empty {
				fail("old checkpoint %s: size 0 but root %x, want SHA-256(\"\") = %x", *oldCP, old.root[:], empty[:])
			}
		case old.size == cp.size:
			if old.root != cp.root {
				fail("old checkpoint %s and the log's checkpoint both have size %d but different roots: %x vs %x (a fork)", *oldCP, cp.size, old.root[:], cp.root[:])
			}
		default:
			proof, err := tlog.ProveTree(cp.size, old.size, hr)
			if err != nil {
				fail("x/mod tlog.ProveTree(%d, %d): %v", cp.size, old.size, err)
			}
			if err := tlog.CheckTree(proof, cp.size, cp.root, old.size, old.root); err != nil {
				fail("consistency %d -> %d: x/mod tlog.CheckTree: %v (old root %x, new root %x)", old.size, cp.size, err, old.root[:], cp.root[:])
			}
		}
		from := old.size
		res.ConsistencyFrom = &from
	}

	// Everything.
	if *allTiles && cp.size > 0 {
		for L := 0; c.hashesAtLevel(L) > 0; L++ {
			full := c.hashesAtLevel(L) / fullTileWidth
			for N := int64(0); N < full; N++ {
				if _, err := c.hashTile(L, N); err != nil {
					fail("%v", err)
				}
			}
			if c.hashesAtLevel(L)%fullTileWidth != 0 {
				if _, err := c.hashTile(L, full); err != nil {
					fail("%v", err)
				}
			}
		}
		for N := int64(0); N*fullTileWidth < cp.size; N++ {
			if _, err := c.bundle(N); err != nil {
				fail("%v", err)
			}
		}
	}

	// Every full hash tile fetched, against its parent (own code).
	n, err := c.checkFullTilesAgainstParents()
	if err != nil {
		fail("%v", err)
	}
	res.FullTilesCheckedVsParent = n
	if *allTiles && c.size > 0 {
		if err := c.allTilesCovered(); err != nil {
			fail("%v", err)
		}
	}

	if *saveCP != "" {
		if err := os.WriteFile(*saveCP, cp.raw, 0o644); err != nil {
			fail("%v", err)
		}
	}
	finish(f, c, &res)
}

// proveInclusion fetches leaf index from its bundle, hashes it, and checks
// x/mod's inclusion proof for it against the checkpoint.
func proveInclusion(c *checker, hr tlog.HashReader, cp *checkpoint, index int64) error {
	_, lh, err := c.leaf(index)
	if err != nil {
		return err
	}
	proof, err := tlog.ProveRecord(cp.size, index, hr)
	if err != nil {
		return fmt.Errorf("x/mod tlog.ProveRecord(%d, %d): %v", cp.size, index, err)
	}
	if err := tlog.CheckRecord(proof, cp.size, cp.root, index, lh); err != nil {
		return fmt.Errorf("inclusion of leaf %d (leaf hash %x) in tree %d: x/mod tlog.CheckRecord: %v", index, lh[:], cp.size, err)
	}
	return nil
}

// inclusionBytesMode fetches what a client needs to prove leaf index:
// the checkpoint (already fetched), the hash tiles TileHashReader asks
// ProveRecord's way, and the leaf's entry bundle. bytes_fetched counts
// those only; the extra own checks afterwards (root, parents) are reported
// as verify_extra_*.
func inclusionBytesMode(c *checker, hr tlog.HashReader, cp *checkpoint, index int64, res *result) {
	f := c.f
	res.Mode = "inclusion-bytes"
	res.InclusionIndex = &index
	if index >= cp.size {
		fail("-inclusion-bytes %d: the tree has size %d", index, cp.size)
	}
	proof, err := tlog.ProveRecord(cp.size, index, hr)
	if err != nil {
		fail("x/mod tlog.ProveRecord(%d, %d): %v", cp.size, index, err)
	}
	_, lh, err := c.leaf(index)
	if err != nil {
		fail("%v", err)
	}
	if err := tlog.CheckRecord(proof, cp.size, cp.root, index, lh); err != nil {
		fail("inclusion of leaf %d (leaf hash %x) in tree %d: x/mod tlog.CheckRecord: %v", index, lh[:], cp.size, err)
	}
	res.InclusionChecked = 1
	res.XmodTreeHashOK = true // TileHashReader checked the tree hash for ProveRecord
	res.TilesFetched = f.tileRequests
	res.Requests = f.requests
	res.BytesFetched = f.bodyBytes
	res.WireBytesFetched = f.wireBytes
	b0, t0 := f.bodyBytes, f.tileRequests

	own, err := c.ownRoot()
	if err != nil {
		fail("own root recomputation: %v", err)
	}
	if own != cp.root {
		fail("own root recomputation = %x, checkpoint root %x", own[:], cp.root[:])
	}
	res.OwnRootOK = true
	n, err := c.checkFullTilesAgainstParents()
	if err != nil {
		fail("%v", err)
	}
	res.FullTilesCheckedVsParent = n
	res.BundlesChecked = c.bundleChecked
	eb, et := f.bodyBytes-b0, f.tileRequests-t0
	res.VerifyExtraBytes, res.VerifyExtraTiles = &eb, &et
	res.GzipResponses = f.gzipAnswers
	res.Warnings = f.warnings
	printJSON(res)
}

// allTilesCovered: with -all-tiles, every full tile of the tree must have
// been checked against its parent.
func (c *checker) allTilesCovered() error {
	for L := 0; c.hashesAtLevel(L) >= fullTileWidth; L++ {
		for N := int64(0); N < c.hashesAtLevel(L)/fullTileWidth; N++ {
			if !c.checkedFull[tileKey{L, N}] {
				return fmt.Errorf("bad math: full tile %s was not checked against its parent", tilePathOf(L, N, fullTileWidth))
			}
		}
	}
	return nil
}

func finish(f *fetcher, c *checker, res *result) {
	res.TilesFetched = f.tileRequests
	res.Requests = f.requests
	res.BytesFetched = f.bodyBytes
	res.WireBytesFetched = f.wireBytes
	res.GzipResponses = f.gzipAnswers
	res.BundlesChecked = c.bundleChecked
	res.Warnings = f.warnings
	printJSON(res)
}

func printJSON(res *result) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(res); err != nil {
		fail("%v", err)
	}
	os.Stdout.Write(buf.Bytes())
}
