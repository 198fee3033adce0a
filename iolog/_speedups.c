/* iolog._speedups: the C twin of iolog's hot loops over fast-walk batches.
 *
 * Each function here mirrors one bulk step whose pure-Python original stays
 * the reference (named in its comment); the module iolog._native decides
 * which one runs, and tests/test_native.py feeds both the same hostile bytes
 * and requires the same results. Every function works on whole arrays (a
 * read buffer, the int64 header offsets of a batch, its 12-byte decoded
 * header records), allocates only its result, checks every index against
 * the length of what it reads, and releases the GIL while it loops, so two
 * threads can walk two halves of a file at once.
 *
 * Rules (iolog/core/rules.py): a header is 16 characters, 13 of the base64
 * alphabet, one of "AQgw", then "=="; decoded, its reserved flag bits are
 * zero and its timestamp lies in (0, 2**62). Two timestamps more than
 * 2**58 ns apart are far.
 */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define HDR 16
#define RECORD 12
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

static void init_tables(void)
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

/* The little-endian int64 timestamp of a decoded header (bytes 0-7). */
static int64_t record_ts(const unsigned char *record)
{
    uint64_t value;
#if PY_LITTLE_ENDIAN
    memcpy(&value, record, sizeof value);
#else
    value = 0;
    for (int k = 7; k >= 0; k--)
        value = value << 8 | record[k];
#endif
    int64_t ts;
    memcpy(&ts, &value, sizeof ts);
    return ts;
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

/* -- buffers of int64 offsets ------------------------------------------------ */

typedef struct {
    Py_buffer view;
    const int64_t *items;
    Py_ssize_t count;
} Offsets;

static int get_offsets(PyObject *obj, Offsets *out)
{
    if (PyObject_GetBuffer(obj, &out->view, PyBUF_FORMAT | PyBUF_C_CONTIGUOUS) < 0)
        return -1;
    const char *format = out->view.format ? out->view.format : "B";
    if (format[0] == '@' || format[0] == '=' || format[0] == '<')
        format++;
    if (out->view.itemsize != 8 || !(strcmp(format, "q") == 0 || (strcmp(format, "l") == 0 && sizeof(long) == 8))) {
        PyBuffer_Release(&out->view);
        PyErr_SetString(PyExc_TypeError, "offsets must be a buffer of int64 (array('q'))");
        return -1;
    }
    out->items = (const int64_t *)out->view.buf;
    out->count = out->view.len / 8;
    return 0;
}

/* Entries [first, last) of a batch: offsets[first..last] inside the buffer,
 * increasing by at least a header each. */
static int check_entries(const Offsets *starts, Py_ssize_t first, Py_ssize_t last, Py_ssize_t size)
{
    if (first < 0 || last < first || last >= starts->count) {
        PyErr_SetString(PyExc_ValueError, "entry range outside the batch's offsets");
        return -1;
    }
    for (Py_ssize_t k = first; k < last; k++) {
        int64_t start = starts->items[k], end = starts->items[k + 1];
        if (start < 0 || end > size || end - start < HDR) {
            PyErr_SetString(PyExc_ValueError, "entry offsets outside the buffer or overlapping");
            return -1;
        }
    }
    return 0;
}

static int check_records(const Py_buffer *raw, Py_ssize_t last)
{
    if (raw->len / RECORD < last) {
        PyErr_SetString(PyExc_ValueError, "fewer header records than entries");
        return -1;
    }
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

PyDoc_STRVAR(walk_batch_doc,
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

static PyObject *walk_batch(PyObject *Py_UNUSED(module), PyObject *args)
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

/* -- per-entry bytes of a batch ------------------------------------------------ */

PyDoc_STRVAR(last_bytes_doc,
"last_bytes(buf, starts, count) -> bytes\n\n"
"One byte per entry k < count: buf[starts[k + 1] - 1], the last byte of its\n"
"payload (of its header for an empty one): FastBatch.last_bytes.");

static PyObject *last_bytes(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer buf;
    PyObject *starts_obj, *result = NULL;
    Py_ssize_t count;
    Offsets starts;
    if (!PyArg_ParseTuple(args, "y*On:last_bytes", &buf, &starts_obj, &count))
        return NULL;
    if (get_offsets(starts_obj, &starts) < 0) {
        PyBuffer_Release(&buf);
        return NULL;
    }
    if (check_entries(&starts, 0, count, buf.len) == 0) {
        result = PyBytes_FromStringAndSize(NULL, count);
        if (result != NULL) {
            unsigned char *out = (unsigned char *)PyBytes_AS_STRING(result);
            const unsigned char *p = buf.buf;
            for (Py_ssize_t k = 0; k < count; k++)
                out[k] = p[starts.items[k + 1] - 1];
        }
    }
    PyBuffer_Release(&starts.view);
    PyBuffer_Release(&buf);
    return result;
}

/* -- the line rule ------------------------------------------------------------- */

PyDoc_STRVAR(line_starts_doc,
"line_starts(streams, last_bytes, open_stdout, open_stderr) -> (starts, open_stdout, open_stderr)\n\n"
"LineState.starts_in_bulk: one byte per entry, 1 if it starts a line (its\n"
"stream had no open line), and which streams have a line open after them.\n"
"streams holds 0 (stdout) or 1 (stderr) per entry.");

static PyObject *line_starts(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer streams, lasts;
    int open_lines[2];
    if (!PyArg_ParseTuple(args, "y*y*pp:line_starts", &streams, &lasts, &open_lines[0], &open_lines[1]))
        return NULL;
    PyObject *result = NULL, *flags = NULL;
    const unsigned char *stream_of = streams.buf, *last = lasts.buf;
    Py_ssize_t count = streams.len;
    if (lasts.len != count) {
        PyErr_SetString(PyExc_ValueError, "line_starts: one stream and one last byte per entry");
        goto done;
    }
    for (Py_ssize_t k = 0; k < count; k++) {
        if (stream_of[k] > 1) {
            PyErr_SetString(PyExc_ValueError, "line_starts: a stream is 0 or 1");
            goto done;
        }
    }
    flags = PyBytes_FromStringAndSize(NULL, count);
    if (flags == NULL)
        goto done;
    unsigned char *out = (unsigned char *)PyBytes_AS_STRING(flags);
    for (Py_ssize_t k = 0; k < count; k++) {
        int stream = stream_of[k];
        out[k] = !open_lines[stream];
        open_lines[stream] = last[k] != '\n';
    }
    result = Py_BuildValue("(ONN)", flags, PyBool_FromLong(open_lines[0]), PyBool_FromLong(open_lines[1]));
done:
    Py_XDECREF(flags);
    PyBuffer_Release(&streams);
    PyBuffer_Release(&lasts);
    return result;
}

/* -- span statistics ------------------------------------------------------------- */

PyDoc_STRVAR(span_stats_doc,
"span_stats(raw, first, last) -> (first_ts, last_ts, min_ts, max_ts, stderr_entries, backward_steps)\n\n"
"Over the 12-byte header records [first, last) (last > first): the first\n"
"and last timestamps, their bounds, how many entries are on stderr, and how\n"
"many timestamps are below the one before them.");

static PyObject *span_stats(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer raw;
    Py_ssize_t first, last;
    if (!PyArg_ParseTuple(args, "y*nn:span_stats", &raw, &first, &last))
        return NULL;
    PyObject *result = NULL;
    if (first < 0 || last <= first || check_records(&raw, last) < 0) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "span_stats: an empty or negative range");
        PyBuffer_Release(&raw);
        return NULL;
    }
    const unsigned char *records = raw.buf;
    int64_t first_ts = record_ts(records + RECORD * first), low = first_ts, high = first_ts;
    int64_t before = first_ts;
    Py_ssize_t stderr_entries = 0, backward = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t k = first; k < last; k++) {
        const unsigned char *record = records + RECORD * k;
        int64_t ts = record_ts(record);
        backward += ts < before;
        before = ts;
        low = ts < low ? ts : low;
        high = ts > high ? ts : high;
        stderr_entries += record[8] >> 3 & 1;
    }
    Py_END_ALLOW_THREADS
    result = Py_BuildValue("(LLLLnn)", (long long)first_ts, (long long)before, (long long)low,
                           (long long)high, stderr_entries, backward);
    PyBuffer_Release(&raw);
    return result;
}

/* -- the checkpoint index's regions --------------------------------------------------- */

/* The open region and the running counts of a CheckpointIndex (see
 * iolog/file/index.py), in the order index_regions takes and gives them. */
enum {
    OPEN_START, OPEN_NUMBER, OPEN_STDERR, OPEN_DAMAGE, OPEN_PREV, OPEN_FIRST, OPEN_MIN, OPEN_MAX,
    ENTRY_COUNT, STDERR_COUNT, DAMAGE_COUNT, LAST_TS, STATE_SIZE
};
#define REGION_COLUMNS 8
#define NO_TIME INT64_MIN

PyDoc_STRVAR(index_regions_doc,
"index_regions(starts, raw, count, base, every, state, stop_since) -> (done, rows, state)\n\n"
"CheckpointIndex._account over entries [0, count) of a batch: entries join\n"
"the open region until one starts every bytes past its start (a region holds\n"
"at least one entry); then the region is closed (a row of the eight columns)\n"
"and a new one opens there. state is (open_start, open_number, open_stderr,\n"
"open_damage, open_prev, open_first, open_min, open_max, entry_count,\n"
"stderr_count, damage_count, last_ts), last_ts None for none. With\n"
"stop_since, stops after\n"
"closing a region whose maximum reaches it. rows: eight int64 columns.");

static PyObject *index_regions(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *starts_obj, *state_obj, *stop_obj;
    Py_buffer raw;
    Py_ssize_t count;
    long long base, every;
    if (!PyArg_ParseTuple(args, "Oy*nLLOO:index_regions", &starts_obj, &raw, &count, &base, &every,
                          &state_obj, &stop_obj))
        return NULL;
    PyObject *result = NULL, *columns[REGION_COLUMNS] = {NULL};
    int64_t *rows = NULL;
    int have_starts = 0;
    Offsets starts;
    int64_t state[STATE_SIZE], stop = 0;
    int stopping = stop_obj != Py_None, last_known;
    if (get_offsets(starts_obj, &starts) < 0)
        goto done;
    have_starts = 1;
    if (count < 0 || count > starts.count || check_records(&raw, count) < 0 || every < 1) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "index_regions: bad count or distance");
        goto done;
    }
    for (Py_ssize_t k = 1; k < count; k++) {
        if (starts.items[k] <= starts.items[k - 1]) {
            PyErr_SetString(PyExc_ValueError, "index_regions: offsets must increase");
            goto done;
        }
    }
    if (!PyTuple_Check(state_obj) || PyTuple_GET_SIZE(state_obj) != STATE_SIZE) {
        PyErr_SetString(PyExc_TypeError, "index_regions: state is a tuple of 12");
        goto done;
    }
    last_known = PyTuple_GET_ITEM(state_obj, LAST_TS) != Py_None;
    for (int k = 0; k < STATE_SIZE; k++) {
        PyObject *item = PyTuple_GET_ITEM(state_obj, k);
        state[k] = k == LAST_TS && !last_known ? 0 : PyLong_AsLongLong(item);
        if (state[k] == -1 && PyErr_Occurred())
            goto done;
    }
    if (base < 0 || state[OPEN_START] < 0 || (count && (starts.items[0] < 0
            || starts.items[count - 1] > INT64_MAX - (int64_t)base - (int64_t)every))) {
        PyErr_SetString(PyExc_ValueError, "index_regions: offsets out of range");
        goto done;
    }
    if (stopping) {
        stop = PyLong_AsLongLong(stop_obj);
        if (stop == -1 && PyErr_Occurred())
            goto done;
    }
    /* At most one region closes per entry. */
    rows = PyMem_RawMalloc((size_t)(count + 1) * REGION_COLUMNS * sizeof *rows);
    if (rows == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t closed = 0, counted = count;
    const unsigned char *records = raw.buf;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t k = 0; k < count; k++) {
        int64_t start = (int64_t)base + starts.items[k];
        if (state[ENTRY_COUNT] > state[OPEN_NUMBER] && start - state[OPEN_START] >= (int64_t)every) {
            int reached = stopping && state[OPEN_MAX] >= stop;
            int64_t *row = rows + REGION_COLUMNS * closed++;
            for (int column = 0; column < REGION_COLUMNS; column++)
                row[column] = state[column];
            state[OPEN_START] = start;
            state[OPEN_NUMBER] = state[ENTRY_COUNT];
            state[OPEN_STDERR] = state[STDERR_COUNT];
            state[OPEN_DAMAGE] = state[DAMAGE_COUNT];
            state[OPEN_PREV] = last_known ? state[LAST_TS] : NO_TIME;
            state[OPEN_FIRST] = NO_TIME;
            state[OPEN_MIN] = INT64_MAX;
            state[OPEN_MAX] = INT64_MIN;
            if (reached) {
                counted = k;
                break;
            }
        }
        const unsigned char *record = records + RECORD * k;
        int64_t ts = record_ts(record);
        if (state[ENTRY_COUNT] == state[OPEN_NUMBER])
            state[OPEN_FIRST] = ts;
        state[OPEN_MIN] = ts < state[OPEN_MIN] ? ts : state[OPEN_MIN];
        state[OPEN_MAX] = ts > state[OPEN_MAX] ? ts : state[OPEN_MAX];
        state[ENTRY_COUNT]++;
        state[STDERR_COUNT] += record[8] >> 3 & 1;
        state[LAST_TS] = ts;
        last_known = 1;
    }
    Py_END_ALLOW_THREADS
    for (int column = 0; column < REGION_COLUMNS; column++) {
        columns[column] = PyBytes_FromStringAndSize(NULL, closed * (Py_ssize_t)sizeof *rows);
        if (columns[column] == NULL)
            goto done;
        int64_t *out = (int64_t *)(void *)PyBytes_AS_STRING(columns[column]);
        for (Py_ssize_t row = 0; row < closed; row++)
            out[row] = rows[REGION_COLUMNS * row + column];
    }
    PyObject *last = last_known ? PyLong_FromLongLong(state[LAST_TS]) : (Py_INCREF(Py_None), Py_None);
    if (last == NULL)
        goto done;
    result = Py_BuildValue(
        "(n(OOOOOOOO)(LLLLLLLLLLLN))", counted,
        columns[0], columns[1], columns[2], columns[3], columns[4], columns[5], columns[6], columns[7],
        (long long)state[OPEN_START], (long long)state[OPEN_NUMBER], (long long)state[OPEN_STDERR],
        (long long)state[OPEN_DAMAGE], (long long)state[OPEN_PREV], (long long)state[OPEN_FIRST],
        (long long)state[OPEN_MIN], (long long)state[OPEN_MAX], (long long)state[ENTRY_COUNT],
        (long long)state[STDERR_COUNT], (long long)state[DAMAGE_COUNT], last);
done:
    for (int column = 0; column < REGION_COLUMNS; column++)
        Py_XDECREF(columns[column]);
    PyMem_RawFree(rows);
    if (have_starts)
        PyBuffer_Release(&starts.view);
    PyBuffer_Release(&raw);
    return result;
}

/* -- gathering payloads ---------------------------------------------------------- */

/* Which entries a gather takes: 0 stdout, 1 stderr, 2 both. */
static int takes(int which, const unsigned char *record)
{
    return which == 2 || (record[8] >> 3 & 1) == which;
}

/* "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ " (31 bytes) for unix nanoseconds: docker's
 * timestamp, as iolog.core.format.format_docker_time writes it. */
#define STAMP 31

static void civil_from_days(int64_t days, int64_t *year, int *month, int *day)
{
    /* Howard Hinnant's algorithm, days since 1970-01-01 to a proleptic
     * Gregorian date. */
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t doe = days - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
    *month = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = yoe + era * 400 + (*month <= 2);
}

static void put_digits(unsigned char *out, int64_t value, int width)
{
    for (int k = width - 1; k >= 0; k--) {
        out[k] = (unsigned char)('0' + value % 10);
        value /= 10;
    }
}

typedef struct {
    int64_t second;   /* the unix second whose text is cached */
    int valid;
    unsigned char text[19];
} SecondText;

static void write_stamp(unsigned char *out, int64_t ts, SecondText *cache)
{
    int64_t second = ts / 1000000000, nanos = ts % 1000000000;
    if (nanos < 0) {
        nanos += 1000000000;
        second -= 1;
    }
    if (!cache->valid || cache->second != second) {
        int64_t days = second / 86400, rest = second % 86400;
        if (rest < 0) {
            rest += 86400;
            days -= 1;
        }
        int64_t year;
        int month, day;
        civil_from_days(days, &year, &month, &day);
        unsigned char *t = cache->text;
        put_digits(t, year, 4);
        t[4] = '-';
        put_digits(t + 5, month, 2);
        t[7] = '-';
        put_digits(t + 8, day, 2);
        t[10] = 'T';
        put_digits(t + 11, rest / 3600, 2);
        t[13] = ':';
        put_digits(t + 14, rest / 60 % 60, 2);
        t[16] = ':';
        put_digits(t + 17, rest % 60, 2);
        cache->second = second;
        cache->valid = 1;
    }
    memcpy(out, cache->text, 19);
    out[19] = '.';
    put_digits(out + 20, nanos, 9);
    out[29] = 'Z';
    out[30] = ' ';
}

PyDoc_STRVAR(gather_doc,
"gather(buf, starts, raw, first, last, which, stamp_lines=None) -> bytes\n\n"
"The payloads of entries [first, last) of a batch, joined, of stdout\n"
"(which=0), stderr (1) or both (2); with stamp_lines (one byte per entry of\n"
"the batch, 1 where an entry starts a line), each line start led by its\n"
"docker timestamp and a space (the printer's -t).");

static PyObject *gather(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer buf, raw, stamp_view = {0};
    PyObject *starts_obj, *stamp_obj = Py_None, *result = NULL;
    Py_ssize_t first, last;
    int which;
    Offsets starts;
    if (!PyArg_ParseTuple(args, "y*Oy*nni|O:gather", &buf, &starts_obj, &raw, &first, &last, &which,
                          &stamp_obj))
        return NULL;
    int stamped = stamp_obj != Py_None, have_starts = 0;
    if (stamped && PyObject_GetBuffer(stamp_obj, &stamp_view, PyBUF_SIMPLE) < 0) {
        stamped = 0;
        goto done;
    }
    if (get_offsets(starts_obj, &starts) < 0)
        goto done;
    have_starts = 1;
    if (which < 0 || which > 2) {
        PyErr_SetString(PyExc_ValueError, "gather: which is 0 (stdout), 1 (stderr) or 2 (both)");
        goto done;
    }
    if (check_entries(&starts, first, last, buf.len) < 0 || check_records(&raw, last) < 0)
        goto done;
    if (stamped && stamp_view.len < last) {
        PyErr_SetString(PyExc_ValueError, "gather: fewer line-start flags than entries");
        goto done;
    }
    const unsigned char *p = buf.buf, *records = raw.buf, *flags = stamp_view.buf;
    Py_ssize_t total = 0;
    for (Py_ssize_t k = first; k < last; k++) {
        if (takes(which, records + RECORD * k)) {
            total += (Py_ssize_t)(starts.items[k + 1] - starts.items[k] - HDR);
            if (stamped && flags[k])
                total += STAMP;
        }
    }
    result = PyBytes_FromStringAndSize(NULL, total);
    if (result == NULL)
        goto done;
    unsigned char *out = (unsigned char *)PyBytes_AS_STRING(result);
    Py_BEGIN_ALLOW_THREADS
    SecondText cache = {0, 0, {0}};
    for (Py_ssize_t k = first; k < last; k++) {
        const unsigned char *record = records + RECORD * k;
        if (!takes(which, record))
            continue;
        if (stamped && flags[k]) {
            write_stamp(out, record_ts(record), &cache);
            out += STAMP;
        }
        size_t length = (size_t)(starts.items[k + 1] - starts.items[k] - HDR);
        memcpy(out, p + starts.items[k] + HDR, length);
        out += length;
    }
    Py_END_ALLOW_THREADS
done:
    if (have_starts)
        PyBuffer_Release(&starts.view);
    if (stamped)
        PyBuffer_Release(&stamp_view);
    PyBuffer_Release(&buf);
    PyBuffer_Release(&raw);
    return result;
}

PyDoc_STRVAR(docker_time_doc,
"docker_time(timestamp_ns) -> bytes\n\n"
"format_docker_time's text, in ASCII: YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ.");

static PyObject *docker_time(PyObject *Py_UNUSED(module), PyObject *arg)
{
    long long ts = PyLong_AsLongLong(arg);
    if (ts == -1 && PyErr_Occurred())
        return NULL;
    unsigned char text[STAMP];
    SecondText cache = {0, 0, {0}};
    write_stamp(text, (int64_t)ts, &cache);
    return PyBytes_FromStringAndSize((const char *)text, STAMP - 1);
}

static PyMethodDef methods[] = {
    {"walk_batch", walk_batch, METH_VARARGS, walk_batch_doc},
    {"last_bytes", last_bytes, METH_VARARGS, last_bytes_doc},
    {"line_starts", line_starts, METH_VARARGS, line_starts_doc},
    {"span_stats", span_stats, METH_VARARGS, span_stats_doc},
    {"gather", gather, METH_VARARGS, gather_doc},
    {"index_regions", index_regions, METH_VARARGS, index_regions_doc},
    {"docker_time", docker_time, METH_O, docker_time_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    "iolog._speedups",
    "The optional C twin of iolog's hot loops (see iolog._native).",
    0,
    methods,
    NULL,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC PyInit__speedups(void)
{
    init_tables();
    return PyModule_Create(&module_def);
}
