/* iolog._speedups: the rules of a header and the fast walk's batch step
 * (twin: iolog/file/walkbatch.py, walk_batch_python). */

#include "_speedups.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define PLAUSIBLE_TS ((int64_t)1 << 62)
#define FAR_NS ((int64_t)1 << 58)
/* How far ahead of the walk its bytes are asked for. */
#define PREFETCH_BYTES 2048
#if defined(__GNUC__)
#define PREFETCH(address) __builtin_prefetch(address)
#else
#define PREFETCH(address) ((void)(address))
#endif
/* A header's "==" this far past its start, or further, may start a header
 * inside its payload (a torn entry's successor): see tear_inside. */
#define INNER_EQUALS (2 * HDR - 2)

static signed char b64_value[256];

IOLOG_HIDDEN void init_tables(void)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    memset(b64_value, -1, sizeof b64_value);
    for (int k = 0; k < 64; k++)
        b64_value[(unsigned char)alphabet[k]] = (signed char)k;
}

/* The entry length (header and payload) that header characters 10-13 give,
 * or -1 when they cannot belong to a header (iolog.core.format's
 * entry_length_from_size_chars). */
static Py_ssize_t length_from_size_chars(const unsigned char *chars)
{
    int a = b64_value[chars[0]], b = b64_value[chars[1]];
    int c = b64_value[chars[2]], d = b64_value[chars[3]];
    if ((a | b | c | d) < 0 || (d & 15) != 0)
        return -1;
    uint32_t value = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
    uint32_t bits = (value >> 12 & 0xFF) | (value >> 4 & 0xFF) << 8;
    return HDR + (Py_ssize_t)(bits >> 4);
}

/* Decode the 16 characters at p into the 10 header bytes; 0 if they are not
 * a header by the rules above (VALID_HEADER). */
static int decode_header(const unsigned char *p, unsigned char out[10])
{
    int v[14];
    for (int k = 0; k < 14; k++) {
        v[k] = b64_value[p[k]];
        if (v[k] < 0)
            return 0;
    }
    if ((v[13] & 15) != 0 || p[14] != '=' || p[15] != '=')
        return 0;
    for (int group = 0; group < 3; group++) {
        const int *q = v + 4 * group;
        uint32_t word = (uint32_t)q[0] << 18 | (uint32_t)q[1] << 12 | (uint32_t)q[2] << 6 | (uint32_t)q[3];
        out[3 * group] = (unsigned char)(word >> 16);
        out[3 * group + 1] = (unsigned char)(word >> 8);
        out[3 * group + 2] = (unsigned char)word;
    }
    out[9] = (unsigned char)(v[12] << 2 | v[13] >> 4);
    return 1;
}


/* A decoded header passes the rules: flags zero, 0 < timestamp < 2**62. */
static int plausible(const unsigned char record[10])
{
    int64_t ts = record_ts(record);
    return (record[8] & 7) == 0 && ts > 0 && ts < PLAUSIBLE_TS;
}

static int is_header(const unsigned char *p)
{
    unsigned char record[10];
    return decode_header(p, record) && plausible(record);
}

/* Whether |one - other| > FAR_NS; both within (-2**62, 2**62 + 2**60]. */
static int far_apart(int64_t one, int64_t other)
{
    return one - other > FAR_NS || other - one > FAR_NS;
}

/* A previous timestamp from Python, clamped so that differences with a
 * plausible one fit in int64 and stay far exactly when they were. */
static int clamp_previous(PyObject *obj, int *known, int64_t *value)
{
    *known = 0;
    if (obj == Py_None)
        return 0;
    int overflow = 0;
    long long raw = PyLong_AsLongLongAndOverflow(obj, &overflow);
    if (raw == -1 && PyErr_Occurred())
        return -1;
    const int64_t low = -((int64_t)1 << 60), high = PLAUSIBLE_TS + ((int64_t)1 << 60);
    *known = 1;
    if (overflow > 0 || raw > high)
        *value = high;
    else if (overflow < 0 || raw < low)
        *value = low;
    else
        *value = (int64_t)raw;
    return 0;
}

/* -- walk_batch ---------------------------------------------------------------- */

static unsigned lowest_bit64(uint64_t mask)
{
#if defined(__GNUC__)
    return (unsigned)__builtin_ctzll(mask);
#else
    unsigned bit = 0;
    while (!(mask & 1u)) {
        mask >>= 1;
        bit++;
    }
    return bit;
#endif
}

/* A "==" at q (p[q] and p[q + 1] are '='), met in increasing order: mark the
 * entry whose payload holds it if it ends a header that starts inside that
 * payload (tear_inside's candidates); a header's own "==" is not one. */
typedef struct {
    const unsigned char *p;
    const int64_t *starts;
    Py_ssize_t entry;
    Py_ssize_t *inner;
    Py_ssize_t found;
} InnerScan;

static void inner_pair(InnerScan *scan, Py_ssize_t q)
{
    while (scan->starts[scan->entry + 1] <= q)
        scan->entry++;
    Py_ssize_t start = scan->starts[scan->entry], end = scan->starts[scan->entry + 1];
    if (q < start + INNER_EQUALS || q + 2 > end)
        return;
    if (scan->found && scan->inner[scan->found - 1] == scan->entry)
        return;
    if (is_header(scan->p + q - (HDR - 2)))
        scan->inner[scan->found++] = scan->entry;
}

/* The accepted entries [0, accepted) whose payload holds a header ending in
 * "==" that starts at least a header past the payload's start; into inner,
 * in order; returns how many. One pass over the batch's bytes: 16 at a time
 * where SSE2 is there (every x86-64), else one at a time. */
static Py_ssize_t inner_headers(const unsigned char *p, const int64_t *starts, Py_ssize_t accepted,
                                Py_ssize_t *inner)
{
    InnerScan scan = {p, starts, 0, inner, 0};
    Py_ssize_t k = starts[0], to = starts[accepted];
    unsigned carry = 0;  /* whether the byte before k is '=' */
#if defined(__SSE2__)
    const __m128i equals = _mm_set1_epi8('=');
    for (; k + 64 <= to; k += 64) {
        /* Most 64-byte runs hold no '=' at all: one test for the four. */
        const __m128i *run = (const __m128i *)(const void *)(p + k);
        __m128i eq0 = _mm_cmpeq_epi8(_mm_loadu_si128(run), equals);
        __m128i eq1 = _mm_cmpeq_epi8(_mm_loadu_si128(run + 1), equals);
        __m128i eq2 = _mm_cmpeq_epi8(_mm_loadu_si128(run + 2), equals);
        __m128i eq3 = _mm_cmpeq_epi8(_mm_loadu_si128(run + 3), equals);
        if (!_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(eq0, eq1), _mm_or_si128(eq2, eq3)))) {
            carry = 0;
            continue;
        }
        uint64_t mask = (uint64_t)(unsigned)_mm_movemask_epi8(eq0)
                        | (uint64_t)(unsigned)_mm_movemask_epi8(eq1) << 16
                        | (uint64_t)(unsigned)_mm_movemask_epi8(eq2) << 32
                        | (uint64_t)(unsigned)_mm_movemask_epi8(eq3) << 48;
        if (carry & mask)
            inner_pair(&scan, k - 1);
        for (uint64_t pairs = mask & (mask >> 1); pairs; pairs &= pairs - 1)
            inner_pair(&scan, k + (Py_ssize_t)lowest_bit64(pairs));
        carry = (unsigned)(mask >> 63);
    }
#endif
    for (; k < to; k++) {
        unsigned is = p[k] == '=';
        if (carry & is)
            inner_pair(&scan, k - 1);
        carry = is;
    }
    return scan.found;
}

IOLOG_HIDDEN const char walk_batch_doc[] = PyDoc_STR(
"walk_batch(buf, i, batch_end, limit, previous_ts) -> (starts, accepted, raw, last_ts, suspects)\n\n"
"The fast walk's batch step (iolog.file.walkbatch.walk_batch_python): from\n"
"header to header by the size characters while starts are below batch_end (at\n"
"most limit = len(buf) - 16), then the successor's start if it is at most\n"
"limit; entries accepted by shape, flags, plausible time and the FAR_NS rule.\n"
"starts is int64 bytes, raw the accepted headers' 12-byte records, suspects\n"
"the accepted entries whose payload holds a header (for tear_inside).");

/* A growing array of starts (realloc'd as the walk needs, never per entry). */
typedef struct {
    int64_t *items;
    Py_ssize_t count, capacity, most;
} Starts;

static int push_start(Starts *starts, int64_t at)
{
    if (starts->count == starts->capacity) {
        Py_ssize_t larger = starts->capacity * 2 < starts->most ? starts->capacity * 2 : starts->most;
        int64_t *grown = PyMem_RawRealloc(starts->items, (size_t)larger * sizeof *grown);
        if (grown == NULL)
            return -1;
        starts->items = grown;
        starts->capacity = larger;
    }
    starts->items[starts->count++] = at;
    return 0;
}

IOLOG_HIDDEN PyObject *walk_batch(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer buf;
    Py_ssize_t i, batch_end, limit;
    PyObject *previous;
    if (!PyArg_ParseTuple(args, "y*nnnO:walk_batch", &buf, &i, &batch_end, &limit, &previous))
        return NULL;
    PyObject *result = NULL, *starts_obj = NULL, *raw_obj = NULL, *suspects = NULL, *last_obj = NULL;
    Starts starts = {NULL, 0, 0, 0};
    unsigned char *records = NULL;
    Py_ssize_t *inner = NULL;
    Py_ssize_t good = 0, accepted = 0, inner_count = 0;
    int prev_known, out_of_memory = 0;
    int64_t prev = 0, last_ts = 0;
    const unsigned char *p = buf.buf;
    const Py_ssize_t size = buf.len;
    if (clamp_previous(previous, &prev_known, &prev) < 0)
        goto done;
    if (i < 0 || limit > size - HDR) {
        PyErr_SetString(PyExc_ValueError, "walk_batch: i < 0 or limit past the last header");
        goto done;
    }
    if (batch_end > limit)
        batch_end = limit;
    /* Each step moves a header at least, and one more start is the last
     * entry's successor: room for typical entries first, more as needed. */
    starts.most = (batch_end > i ? (batch_end - i) / HDR + 1 : 0) + 1;
    starts.capacity = starts.most < 4096 ? starts.most : 4096;
    starts.items = PyMem_RawMalloc((size_t)starts.capacity * sizeof *starts.items);
    if (starts.items == NULL) {
        PyErr_NoMemory();
        goto done;
    }

    Py_BEGIN_ALLOW_THREADS
    Py_ssize_t at = i;
    int whole = 1;
    /* Each header's place depends on the one before, so a miss stalls the
     * walk: ask for the bytes a little ahead of it (a hint, never a read). */
    Py_ssize_t hinted = i;
    while (at < batch_end) {
        for (; hinted < at + PREFETCH_BYTES && hinted < size; hinted += 64)
            PREFETCH(p + hinted);
        if (push_start(&starts, at) < 0) {
            out_of_memory = 1;
            break;
        }
        Py_ssize_t length = length_from_size_chars(p + at + 10);
        if (length < 0) {
            whole = 0;  /* the last start's header is malformed */
            break;
        }
        at += length;
    }
    if (!out_of_memory && whole && at <= limit && push_start(&starts, at) < 0)
        out_of_memory = 1;
    if (!out_of_memory) {
        records = PyMem_RawMalloc((size_t)starts.count * RECORD + 1);
        inner = PyMem_RawMalloc((size_t)starts.count * sizeof *inner + 1);
        out_of_memory = records == NULL || inner == NULL;
    }
    if (!out_of_memory) {
        const int64_t *start = starts.items;
        /* The headers' prefix that passes the rules, decoded. */
        while (good < starts.count) {
            unsigned char *record = records + RECORD * good;
            if (!decode_header(p + start[good], record) || !plausible(record))
                break;
            record[10] = record[11] = 0;
            good++;
        }
        /* Each entry's time near the previous accepted one's or its successor's. */
        int64_t before = prev;
        int before_known = prev_known;
        int64_t ts = good ? record_ts(records) : 0;
        while (accepted + 1 < good) {
            int64_t next = record_ts(records + RECORD * (accepted + 1));
            if (!((before_known && !far_apart(ts, before)) || !far_apart(ts, next)))
                break;
            before = ts;
            before_known = 1;
            ts = next;
            accepted++;
        }
        last_ts = before;
        /* Payloads holding a header may hide a torn entry's successor. */
        if (accepted)
            inner_count = inner_headers(p, start, accepted, inner);
    }
    Py_END_ALLOW_THREADS

    if (out_of_memory) {
        PyErr_NoMemory();
        goto done;
    }
    suspects = PyList_New(inner_count);
    if (suspects == NULL)
        goto done;
    for (Py_ssize_t k = 0; k < inner_count; k++) {
        PyObject *number = PyLong_FromSsize_t(inner[k]);
        if (number == NULL)
            goto done;
        PyList_SET_ITEM(suspects, k, number);
    }
    starts_obj = PyBytes_FromStringAndSize((const char *)starts.items,
                                           starts.count * (Py_ssize_t)sizeof *starts.items);
    raw_obj = PyBytes_FromStringAndSize((const char *)records, accepted * RECORD);
    if (accepted) {
        last_obj = PyLong_FromLongLong(last_ts);
    } else {
        last_obj = previous;
        Py_INCREF(last_obj);
    }
    if (starts_obj == NULL || raw_obj == NULL || last_obj == NULL)
        goto done;
    result = Py_BuildValue("(OnOOO)", starts_obj, accepted, raw_obj, last_obj, suspects);
done:
    Py_XDECREF(starts_obj);
    Py_XDECREF(raw_obj);
    Py_XDECREF(last_obj);
    Py_XDECREF(suspects);
    PyMem_RawFree(starts.items);
    PyMem_RawFree(records);
    PyMem_RawFree(inner);
    PyBuffer_Release(&buf);
    return result;
}
