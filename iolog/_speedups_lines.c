/* iolog._speedups: a batch's entries as logical lines, for the viewer's
 * passes (twins: iolog/file/walklines.py, line_rows_python and
 * number_streams_python; iolog/file/walkhits.py, line_hits_python).
 *
 * An entry starts a line when its stream has no open line; it leaves its
 * stream's line open when its payload does not end in a newline (the last
 * byte of an empty entry is its header's "="): LineState's rule. */

#include "_speedups.h"

#if defined(__GLIBC__) || defined(__APPLE__) || defined(__FreeBSD__)
#define HAVE_MEMMEM 1
void *memmem(const void *haystack, size_t haystack_len, const void *needle, size_t needle_len);
#endif

static int stream_of(const unsigned char *records, Py_ssize_t k)
{
    return records[RECORD * k + 8] >> 3 & 1;
}

/* since or until: None (no bound) or an int. A bound beyond int64 keeps
 * every time (*all) or none (*none) of an int64. */
static int time_bound(PyObject *obj, int is_since, int64_t *out, int *all, int *none)
{
    *out = 0;
    if (obj == Py_None) {
        *all = 1;
        return 0;
    }
    int overflow = 0;
    long long value = PyLong_AsLongLongAndOverflow(obj, &overflow);
    if (value == -1 && PyErr_Occurred())
        return -1;
    if (overflow)
        *(overflow < 0 ? (is_since ? all : none) : (is_since ? none : all)) = 1;
    else
        *out = (int64_t)value;
    return 0;
}

/* -- where lines begin ------------------------------------------------------------ */

IOLOG_HIDDEN const char line_rows_doc[] = PyDoc_STR(
"line_rows(buf, starts, raw, count, base, open_stdout, open_stderr, since, until)\n"
"    -> (offsets, streams, begun, open_stdout, open_stderr, last_stdout, last_stderr)\n\n"
"The lines that entries [0, count) of a batch begin, kept when their first\n"
"entry's time t has since <= t < until (None: no bound): offsets holds the\n"
"file offset (base + start) of each kept line as int64, streams its stream.\n"
"begun counts every line begun; last_* is, per stream, the index among the\n"
"kept lines of the last line begun here, -1 if it was not kept, -2 if none.");

IOLOG_HIDDEN PyObject *line_rows(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer buf, raw;
    PyObject *starts_obj, *since_obj, *until_obj, *result = NULL, *offsets = NULL, *streams = NULL;
    Py_ssize_t count;
    long long base;
    int open_lines[2];
    Offsets starts;
    int have_starts = 0;
    if (!PyArg_ParseTuple(args, "y*Oy*nLppOO:line_rows", &buf, &starts_obj, &raw, &count, &base,
                          &open_lines[0], &open_lines[1], &since_obj, &until_obj))
        return NULL;
    int64_t since, until;
    int any_since = 0, no_since = 0, any_until = 0, no_until = 0;
    if (time_bound(since_obj, 1, &since, &any_since, &no_since) < 0
            || time_bound(until_obj, 0, &until, &any_until, &no_until) < 0)
        goto done;
    if (get_offsets(starts_obj, &starts) < 0)
        goto done;
    have_starts = 1;
    if (check_entries(&starts, 0, count, buf.len) < 0 || check_records(&raw, count) < 0)
        goto done;
    if (base < 0 || base > INT64_MAX - (long long)buf.len) {
        PyErr_SetString(PyExc_ValueError, "line_rows: base out of range");
        goto done;
    }
    offsets = PyBytes_FromStringAndSize(NULL, count * 8);
    streams = PyBytes_FromStringAndSize(NULL, count);
    if (offsets == NULL || streams == NULL)
        goto done;
    int64_t *offset_out = (int64_t *)(void *)PyBytes_AS_STRING(offsets);
    unsigned char *stream_out = (unsigned char *)PyBytes_AS_STRING(streams);
    const unsigned char *p = buf.buf, *records = raw.buf;
    Py_ssize_t kept = 0, begun = 0, last_kept[2] = {-2, -2};
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t k = 0; k < count; k++) {
        int stream = stream_of(records, k);
        int starts_line = !open_lines[stream];
        open_lines[stream] = p[starts.items[k + 1] - 1] != '\n';
        if (!starts_line)
            continue;
        begun++;
        int64_t ts = record_ts(records + RECORD * k);
        if (!no_since && !no_until && (any_since || ts >= since) && (any_until || ts < until)) {
            offset_out[kept] = (int64_t)base + starts.items[k];
            stream_out[kept] = (unsigned char)stream;
            last_kept[stream] = kept++;
        } else {
            last_kept[stream] = -1;
        }
    }
    Py_END_ALLOW_THREADS
    if (_PyBytes_Resize(&offsets, kept * 8) < 0 || _PyBytes_Resize(&streams, kept) < 0)
        goto done;
    result = Py_BuildValue("(OOnNNnn)", offsets, streams, begun, PyBool_FromLong(open_lines[0]),
                           PyBool_FromLong(open_lines[1]), last_kept[0], last_kept[1]);
done:
    Py_XDECREF(offsets);
    Py_XDECREF(streams);
    if (have_starts)
        PyBuffer_Release(&starts.view);
    PyBuffer_Release(&buf);
    PyBuffer_Release(&raw);
    return result;
}

IOLOG_HIDDEN const char number_streams_doc[] = PyDoc_STR(
"number_streams(streams, first) -> (stdout_numbers, stderr_numbers)\n\n"
"Number items first, first + 1, ... and give, per stream, the numbers of\n"
"its items (streams holds 0 or 1 per item) as uint32.");

IOLOG_HIDDEN PyObject *number_streams(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer streams;
    Py_ssize_t first;
    if (!PyArg_ParseTuple(args, "y*n:number_streams", &streams, &first))
        return NULL;
    PyObject *result = NULL, *numbers[2] = {NULL, NULL};
    const unsigned char *stream_of_item = streams.buf;
    Py_ssize_t count = streams.len, on_stderr = 0;
    if (first < 0 || (count && (uint64_t)first + (uint64_t)count - 1 > UINT32_MAX)) {
        PyErr_SetString(PyExc_OverflowError, "number_streams: numbers beyond uint32");
        goto done;
    }
    for (Py_ssize_t k = 0; k < count; k++) {
        if (stream_of_item[k] > 1) {
            PyErr_SetString(PyExc_ValueError, "number_streams: a stream is 0 or 1");
            goto done;
        }
        on_stderr += stream_of_item[k];
    }
    numbers[0] = PyBytes_FromStringAndSize(NULL, (count - on_stderr) * 4);
    numbers[1] = PyBytes_FromStringAndSize(NULL, on_stderr * 4);
    if (numbers[0] == NULL || numbers[1] == NULL)
        goto done;
    uint32_t *out[2] = {(uint32_t *)(void *)PyBytes_AS_STRING(numbers[0]),
                        (uint32_t *)(void *)PyBytes_AS_STRING(numbers[1])};
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t k = 0; k < count; k++)
        *out[stream_of_item[k]]++ = (uint32_t)(first + k);
    Py_END_ALLOW_THREADS
    result = PyTuple_Pack(2, numbers[0], numbers[1]);
done:
    Py_XDECREF(numbers[0]);
    Py_XDECREF(numbers[1]);
    PyBuffer_Release(&streams);
    return result;
}

/* -- lines that may hold a needle ------------------------------------------------------- */

/* Whether a byte is beyond ASCII or ESC: an entry holding one is a hit whatever the needle. */
static inline int is_high(unsigned char byte)
{
    return (byte & 0x80) || byte == 0x1b;
}

/* The first byte beyond ASCII or ESC in [from, end) of p, or end. */
static Py_ssize_t find_high(const unsigned char *p, Py_ssize_t from, Py_ssize_t end)
{
    Py_ssize_t at = from;
    while (at < end && ((uintptr_t)(p + at) & 7))
        if (is_high(p[at++]))
            return at - 1;
    for (; at + 8 <= end; at += 8) {
        uint64_t word;
        memcpy(&word, p + at, 8);
        /* A byte with its top bit, or a zero byte in word ^ ESC (may flag the bytes
         * after a true one too: the loop below decides). */
        uint64_t esc = word ^ 0x1b1b1b1b1b1b1b1bULL;
        if ((word | ((esc - 0x0101010101010101ULL) & ~esc)) & 0x8080808080808080ULL)
            break;
    }
    for (; at < end; at++)
        if (is_high(p[at]))
            return at;
    return end;
}

/* The first place in [from, end) where needle (length > 0) starts, or end;
 * position at is held at haystack[at - origin]. */
static Py_ssize_t find_needle(const unsigned char *haystack, Py_ssize_t origin, Py_ssize_t from,
                              Py_ssize_t end, const unsigned char *needle, Py_ssize_t length)
{
    if (end - from < length)
        return end;
    const unsigned char *p = haystack + (from - origin);
    size_t size = (size_t)(end - from);
#ifdef HAVE_MEMMEM
    const unsigned char *found = memmem(p, size, needle, (size_t)length);
    return found == NULL ? end : from + (found - p);
#else
    for (size_t at = 0; at + (size_t)length <= size; at++) {
        const unsigned char *first = memchr(p + at, needle[0], size - (size_t)length + 1 - at);
        if (first == NULL)
            return end;
        at = (size_t)(first - p);
        if (memcmp(p + at, needle, (size_t)length) == 0)
            return from + (Py_ssize_t)at;
    }
    return end;
#endif
}

IOLOG_HIDDEN const char line_hits_doc[] = PyDoc_STR(
"line_hits(buf, starts, raw, count, open_stdout, open_stderr, needle, exact_case)\n"
"    -> (streams, line_starts, last_bytes, hits, rare, rare_hits, open_stdout, open_stderr)\n\n"
"Entries [0, count) of a batch as lines: per entry its stream, 1 if it starts\n"
"a line, its last byte. An entry holds a hit when its payload holds a byte\n"
"beyond ASCII, an ESC or needle (in ASCII-lowered bytes unless exact_case; needle\n"
"None or empty: always). hits (int64 entry numbers) are the entries that are\n"
"a line alone (they start a line and end in a newline) and hold a hit; rare\n"
"(int64) are all the other entries, rare_hits one byte for each, 1 if it\n"
"holds a hit.");

IOLOG_HIDDEN PyObject *line_hits(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer buf, raw, needle = {0};
    PyObject *starts_obj, *needle_obj, *result = NULL;
    PyObject *streams = NULL, *line_starts = NULL, *lasts = NULL, *hits = NULL, *rare = NULL;
    PyObject *rare_hits = NULL;
    Py_ssize_t count;
    int open_lines[2], exact_case;
    Offsets starts;
    int have_starts = 0, have_needle = 0;
    unsigned char *lowered = NULL;
    if (!PyArg_ParseTuple(args, "y*Oy*nppOp:line_hits", &buf, &starts_obj, &raw, &count,
                          &open_lines[0], &open_lines[1], &needle_obj, &exact_case))
        return NULL;
    if (needle_obj != Py_None) {
        if (PyObject_GetBuffer(needle_obj, &needle, PyBUF_SIMPLE) < 0)
            goto done;
        have_needle = 1;
    }
    if (get_offsets(starts_obj, &starts) < 0)
        goto done;
    have_starts = 1;
    if (check_entries(&starts, 0, count, buf.len) < 0 || check_records(&raw, count) < 0)
        goto done;
    streams = PyBytes_FromStringAndSize(NULL, count);
    line_starts = PyBytes_FromStringAndSize(NULL, count);
    lasts = PyBytes_FromStringAndSize(NULL, count);
    hits = PyBytes_FromStringAndSize(NULL, count * 8);
    rare = PyBytes_FromStringAndSize(NULL, count * 8);
    rare_hits = PyBytes_FromStringAndSize(NULL, count);
    if (streams == NULL || line_starts == NULL || lasts == NULL || hits == NULL || rare == NULL
            || rare_hits == NULL)
        goto done;
    const unsigned char *p = buf.buf, *records = raw.buf;
    Py_ssize_t region = count ? (Py_ssize_t)starts.items[0] : 0;
    Py_ssize_t region_end = count ? (Py_ssize_t)starts.items[count] : 0;
    const unsigned char *haystack = p;
    Py_ssize_t origin = 0; /* haystack[at - origin] is the byte at buffer position at */
    if (have_needle && !exact_case && count) {
        lowered = PyMem_RawMalloc((size_t)(region_end - region) + 1);
        if (lowered == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        haystack = lowered;
        origin = region;
    }
    unsigned char *stream_out = (unsigned char *)PyBytes_AS_STRING(streams);
    unsigned char *start_out = (unsigned char *)PyBytes_AS_STRING(line_starts);
    unsigned char *last_out = (unsigned char *)PyBytes_AS_STRING(lasts);
    int64_t *hit_out = (int64_t *)(void *)PyBytes_AS_STRING(hits);
    int64_t *rare_out = (int64_t *)(void *)PyBytes_AS_STRING(rare);
    unsigned char *rare_hit_out = (unsigned char *)PyBytes_AS_STRING(rare_hits);
    const unsigned char *wanted = have_needle ? needle.buf : NULL;
    Py_ssize_t wanted_length = have_needle ? needle.len : 0;
    Py_ssize_t hit_count = 0, rare_count = 0;
    Py_BEGIN_ALLOW_THREADS
    if (lowered != NULL) {
        for (Py_ssize_t at = region; at < region_end; at++) {
            unsigned char byte = p[at];
            lowered[at - region] = byte >= 'A' && byte <= 'Z' ? (unsigned char)(byte + 32) : byte;
        }
    }
    /* Where the next byte beyond ASCII (or ESC) and the next needle start, at or after
     * the last payload that asked (region - 1: not looked for yet). */
    Py_ssize_t high_at = region - 1, needle_at = region - 1;
    for (Py_ssize_t k = 0; k < count; k++) {
        int stream = stream_of(records, k);
        Py_ssize_t payload = (Py_ssize_t)starts.items[k] + HDR, end = (Py_ssize_t)starts.items[k + 1];
        unsigned char last = p[end - 1];
        int starts_line = !open_lines[stream];
        open_lines[stream] = last != '\n';
        stream_out[k] = (unsigned char)stream;
        start_out[k] = (unsigned char)starts_line;
        last_out[k] = last;
        int alone = starts_line && last == '\n';
        int hit = wanted == NULL || wanted_length == 0;
        if (!hit) {
            if (high_at < payload)
                high_at = find_high(p, payload, region_end);
            hit = high_at < end;
        }
        if (!hit) {
            if (needle_at < payload)
                needle_at = find_needle(haystack, origin, payload, region_end, wanted, wanted_length);
            hit = needle_at + wanted_length <= end;
        }
        if (!alone) {
            rare_hit_out[rare_count] = (unsigned char)hit;
            rare_out[rare_count++] = k;
        } else if (hit) {
            hit_out[hit_count++] = k;
        }
    }
    Py_END_ALLOW_THREADS
    if (_PyBytes_Resize(&hits, hit_count * 8) < 0 || _PyBytes_Resize(&rare, rare_count * 8) < 0
            || _PyBytes_Resize(&rare_hits, rare_count) < 0)
        goto done;
    result = Py_BuildValue("(OOOOOONN)", streams, line_starts, lasts, hits, rare, rare_hits,
                           PyBool_FromLong(open_lines[0]), PyBool_FromLong(open_lines[1]));
done:
    PyMem_RawFree(lowered);
    Py_XDECREF(streams);
    Py_XDECREF(line_starts);
    Py_XDECREF(lasts);
    Py_XDECREF(hits);
    Py_XDECREF(rare);
    Py_XDECREF(rare_hits);
    if (have_needle)
        PyBuffer_Release(&needle);
    if (have_starts)
        PyBuffer_Release(&starts.view);
    PyBuffer_Release(&buf);
    PyBuffer_Release(&raw);
    return result;
}
