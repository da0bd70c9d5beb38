package main

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sort"

	"golang.org/x/mod/sumdb/tlog"
)

// tileKey names a hash tile (L >= 0) or entry bundle (L == -1) by level and
// index; the width follows from the tree size.
type tileKey struct {
	L int
	N int64
}

// checker holds one checkpoint's tree and the checks made against it that do
// not go through x/mod's TileHashReader.
type checker struct {
	f    *fetcher
	base string
	size int64
	root tlog.Hash

	fullTiles     map[tileKey][]byte // every full hash tile obtained so far
	checkedFull   map[tileKey]bool   // full tiles checked against their parent
	bundles       map[int64][][]byte // entry bundles, parsed and checked
	bundleChecked int
}

func newChecker(f *fetcher, size int64, root tlog.Hash) *checker {
	return &checker{
		f:           f,
		base:        f.base,
		size:        size,
		root:        root,
		fullTiles:   make(map[tileKey][]byte),
		checkedFull: make(map[tileKey]bool),
		bundles:     make(map[int64][][]byte),
	}
}

// hashesAtLevel is the number of hashes the tree holds at tile level L
// (tree level 8*L): floor(size / 256**L).
func (c *checker) hashesAtLevel(L int) int64 {
	if L < 0 {
		L = 0
	}
	if uint(L)*tileHeight >= 63 {
		return 0
	}
	return c.size >> (uint(L) * tileHeight)
}

// widthOf is the width of tile N at level L (L == -1: entry bundle N) in
// the tree of size c.size: 256 for a full tile, 1..255 for the partial one,
// 0 when the tree holds no such tile.
func (c *checker) widthOf(L int, N int64) int {
	n := c.hashesAtLevel(L)
	start := N * fullTileWidth
	switch {
	case N < 0 || start >= n:
		return 0
	case n-start >= fullTileWidth:
		return fullTileWidth
	default:
		return int(n - start)
	}
}

// hashTileExact fetches hash tile t, whose width must be the one the tree
// size implies, and remembers full tiles for the parent check.
func (c *checker) hashTileExact(t tlog.Tile) ([]byte, error) {
	if w := c.widthOf(t.L, t.N); w == 0 || w != t.W {
		return nil, fmt.Errorf("asked for tile %v, but the tree of size %d has width %d there", t.Path(), c.size, w)
	}
	data, err := c.f.getTile(t)
	if err != nil {
		return nil, err
	}
	if t.W == fullTileWidth {
		c.fullTiles[tileKey{t.L, t.N}] = data
	}
	return data, nil
}

// hashTile fetches hash tile N of level L with the width the tree implies.
func (c *checker) hashTile(L int, N int64) ([]byte, error) {
	w := c.widthOf(L, N)
	if w == 0 {
		return nil, fmt.Errorf("the tree of size %d has no tile %d at level %d", c.size, N, L)
	}
	return c.hashTileExact(tlog.Tile{H: tileHeight, L: L, N: N, W: w})
}

func tilePathOf(L int, N int64, W int) string {
	p, err := c2spPath(tlog.Tile{H: tileHeight, L: L, N: N, W: W})
	if err != nil {
		return fmt.Sprintf("tile L=%d N=%d W=%d", L, N, W)
	}
	return p
}

// merkleOfPow2 is the RFC 6962 Merkle tree hash over a power-of-two number
// of consecutive hashes (32 bytes each) in data, by pairwise tlog.NodeHash.
// Written here on purpose instead of using TileHashReader's internals.
func merkleOfPow2(data []byte) (tlog.Hash, error) {
	n := len(data) / tlog.HashSize
	if n == 0 || len(data)%tlog.HashSize != 0 || n&(n-1) != 0 {
		return tlog.Hash{}, fmt.Errorf("merkleOfPow2: %d bytes is not a power of two of hashes", len(data))
	}
	level := make([]tlog.Hash, n)
	for i := range level {
		copy(level[i][:], data[i*tlog.HashSize:])
	}
	for len(level) > 1 {
		next := make([]tlog.Hash, len(level)/2)
		for i := range next {
			next[i] = tlog.NodeHash(level[2*i], level[2*i+1])
		}
		level = next
	}
	return level[0], nil
}

// checkFullTilesAgainstParents checks every full hash tile obtained so far
// (and every full parent it brings in) against its parent: the Merkle hash
// of the tile's 256 hashes must be hash N%256 of tile N/256 at level L+1.
// The parent is fetched full or partial, with the width this tree implies.
// Returns the number of tiles checked in this call.
func (c *checker) checkFullTilesAgainstParents() (int, error) {
	checked := 0
	for {
		var todo []tileKey
		for k := range c.fullTiles {
			if !c.checkedFull[k] {
				todo = append(todo, k)
			}
		}
		if len(todo) == 0 {
			return checked, nil
		}
		sort.Slice(todo, func(i, j int) bool {
			if todo[i].L != todo[j].L {
				return todo[i].L < todo[j].L
			}
			return todo[i].N < todo[j].N
		})
		for _, k := range todo {
			data := c.fullTiles[k]
			if len(data) != fullTileWidth*tlog.HashSize {
				return checked, fmt.Errorf("%s/%s: full tile of %d bytes, want %d", c.base, tilePathOf(k.L, k.N, fullTileWidth), len(data), fullTileWidth*tlog.HashSize)
			}
			h, err := merkleOfPow2(data)
			if err != nil {
				return checked, err
			}
			pL, pN, pos := k.L+1, k.N/fullTileWidth, int(k.N%fullTileWidth)
			pw := c.widthOf(pL, pN)
			if pw <= pos {
				// A full tile at level L, index N covers leaves up to
				// (N+1)*256**(L+1), so a tree that holds it holds its parent node.
				return checked, fmt.Errorf("bad math: tree of size %d has full tile %s but its parent %d/%d has width %d", c.size, tilePathOf(k.L, k.N, fullTileWidth), pL, pN, pw)
			}
			pdata, err := c.hashTile(pL, pN)
			if err != nil {
				return checked, err
			}
			var want tlog.Hash
			copy(want[:], pdata[pos*tlog.HashSize:])
			if h != want {
				return checked, fmt.Errorf("full tile %s/%s does not match its parent: Merkle hash of its 256 hashes is %x, hash %d of %s/%s is %x",
					c.base, tilePathOf(k.L, k.N, fullTileWidth), h[:], pos, c.base, tilePathOf(pL, pN, pw), want[:])
			}
			c.checkedFull[k] = true
			checked++
		}
	}
}

// ownRoot recomputes the root from the right-edge (partial) tiles alone,
// with this file's code: the tree of size s is the perfect subtrees given
// by the bits of s, from the left, largest first; the hash of a subtree of
// height h starting at leaf lo is the Merkle hash of 2**(h%8) consecutive
// hashes of the level-(h/8) tile. Together with the parent checks this
// authenticates every tile fetched without relying on TileHashReader.
func (c *checker) ownRoot() (tlog.Hash, error) {
	if c.size == 0 {
		return sha256.Sum256(nil), nil
	}
	var parts []tlog.Hash
	lo := int64(0)
	for h := 62; h >= 0; h-- {
		if c.size&(int64(1)<<uint(h)) == 0 {
			continue
		}
		L := h / tileHeight
		r := uint(h % tileHeight)
		start := lo >> (uint(L) * tileHeight) // first hash at tree level 8L
		count := int64(1) << r
		N := start / fullTileWidth
		off := start % fullTileWidth
		data, err := c.hashTile(L, N)
		if err != nil {
			return tlog.Hash{}, err
		}
		if (off+count)*tlog.HashSize > int64(len(data)) {
			return tlog.Hash{}, fmt.Errorf("bad math in ownRoot: size %d h %d tile %d/%d len %d", c.size, h, L, N, len(data))
		}
		sub, err := merkleOfPow2(data[off*tlog.HashSize : (off+count)*tlog.HashSize])
		if err != nil {
			return tlog.Hash{}, err
		}
		parts = append(parts, sub)
		lo += int64(1) << uint(h)
	}
	root := parts[len(parts)-1]
	for i := len(parts) - 2; i >= 0; i-- {
		root = tlog.NodeHash(parts[i], root)
	}
	return root, nil
}

// parseBundle splits an entry bundle into its entries: each a big-endian
// uint16 length, then that many bytes.
func parseBundle(data []byte) ([][]byte, error) {
	var entries [][]byte
	for off := 0; off < len(data); {
		if len(data)-off < 2 {
			return nil, fmt.Errorf("entry %d at byte %d: 1 byte left, a length prefix needs 2", len(entries), off)
		}
		n := int(binary.BigEndian.Uint16(data[off:]))
		off += 2
		if len(data)-off < n {
			return nil, fmt.Errorf("entry %d at byte %d: length %d but only %d bytes left", len(entries), off-2, n, len(data)-off)
		}
		entries = append(entries, data[off:off+n])
		off += n
	}
	return entries, nil
}

// bundle fetches entry bundle N (width as the tree implies), checks it has
// exactly that many entries, and that their RFC 6962 leaf hashes
// (tlog.RecordHash) are the hashes of level-0 tile N.
func (c *checker) bundle(N int64) ([][]byte, error) {
	if e, ok := c.bundles[N]; ok {
		return e, nil
	}
	w := c.widthOf(-1, N)
	if w == 0 {
		return nil, fmt.Errorf("the tree of size %d has no entry bundle %d", c.size, N)
	}
	t := tlog.Tile{H: tileHeight, L: -1, N: N, W: w}
	path, _ := c2spPath(t)
	data, err := c.f.getTile(t)
	if err != nil {
		return nil, err
	}
	entries, err := parseBundle(data)
	if err != nil {
		return nil, fmt.Errorf("entry bundle %s/%s (%d bytes): %v", c.base, path, len(data), err)
	}
	if len(entries) != w {
		return nil, fmt.Errorf("entry bundle %s/%s (%d bytes): %d entries, its width is %d", c.base, path, len(data), len(entries), w)
	}
	tile, err := c.hashTile(0, N)
	if err != nil {
		return nil, err
	}
	for i, e := range entries {
		lh := tlog.RecordHash(e)
		var want tlog.Hash
		copy(want[:], tile[i*tlog.HashSize:])
		if lh != want {
			return nil, fmt.Errorf("entry bundle %s/%s: entry %d (leaf %d, %d bytes) hashes to %x, hash %d of %s/%s is %x",
				c.base, path, i, N*fullTileWidth+int64(i), len(e), lh[:], i, c.base, tilePathOf(0, N, w), want[:])
		}
	}
	c.bundles[N] = entries
	c.bundleChecked++
	return entries, nil
}

// leaf returns entry index of the log (from its bundle) and its leaf hash.
func (c *checker) leaf(index int64) ([]byte, tlog.Hash, error) {
	entries, err := c.bundle(index / fullTileWidth)
	if err != nil {
		return nil, tlog.Hash{}, err
	}
	e := entries[index%fullTileWidth]
	return e, tlog.RecordHash(e), nil
}
