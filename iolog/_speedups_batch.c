/* iolog._speedups: what passes do with a fast-walk batch: its last bytes,
 * the line rule, span statistics, the index's regions, cat's gather. */

#include "_speedups.h"

/* -- per-entry bytes of a batch ------------------------------------------------ */

IOLOG_HIDDEN const char last_bytes_doc[] = PyDoc_STR(
"last_bytes(buf, starts, count) -> bytes\n\n"
"One byte per entry k < count: buf[starts[k + 1] - 1], the last byte of its\n"
"payload (of its header for an empty one): FastBatch.last_bytes.");

IOLOG_HIDDEN PyObject *last_bytes(PyObject *Py_UNUSED(module), PyObject *args)
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

IOLOG_HIDDEN const char line_starts_doc[] = PyDoc_STR(
"line_starts(streams, last_bytes, open_stdout, open_stderr) -> (starts, open_stdout, open_stderr)\n\n"
"LineState.starts_in_bulk: one byte per entry, 1 if it starts a line (its\n"
"stream had no open line), and which streams have a line open after them.\n"
"streams holds 0 (stdout) or 1 (stderr) per entry.");

IOLOG_HIDDEN PyObject *line_starts(PyObject *Py_UNUSED(module), PyObject *args)
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

IOLOG_HIDDEN const char span_stats_doc[] = PyDoc_STR(
"span_stats(raw, first, last) -> (first_ts, last_ts, min_ts, max_ts, stderr_entries, backward_steps)\n\n"
"Over the 12-byte header records [first, last) (last > first): the first\n"
"and last timestamps, their bounds, how many entries are on stderr, and how\n"
"many timestamps are below the one before them.");

IOLOG_HIDDEN PyObject *span_stats(PyObject *Py_UNUSED(module), PyObject *args)
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

IOLOG_HIDDEN const char index_regions_doc[] = PyDoc_STR(
"index_regions(starts, raw, count, base, every, state, stop_since) -> (done, rows, state)\n\n"
"CheckpointIndex._account over entries [0, count) of a batch: entries join\n"
"the open region until one starts every bytes past its start (a region holds\n"
"at least one entry); then the region is closed (a row of the eight columns)\n"
"and a new one opens there. state is (open_start, open_number, open_stderr,\n"
"open_damage, open_prev, open_first, open_min, open_max, entry_count,\n"
"stderr_count, damage_count, last_ts), last_ts None for none. With\n"
"stop_since, stops after\n"
"closing a region whose maximum reaches it. rows: eight int64 columns.");

IOLOG_HIDDEN PyObject *index_regions(PyObject *Py_UNUSED(module), PyObject *args)
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

IOLOG_HIDDEN void write_stamp(unsigned char *out, int64_t ts, SecondText *cache)
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

IOLOG_HIDDEN const char gather_doc[] = PyDoc_STR(
"gather(buf, starts, raw, first, last, which, stamp_lines=None) -> bytes\n\n"
"The payloads of entries [first, last) of a batch, joined, of stdout\n"
"(which=0), stderr (1) or both (2); with stamp_lines (one byte per entry of\n"
"the batch, 1 where an entry starts a line), each line start led by its\n"
"docker timestamp and a space (the printer's -t).");

IOLOG_HIDDEN PyObject *gather(PyObject *Py_UNUSED(module), PyObject *args)
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

IOLOG_HIDDEN const char docker_time_doc[] = PyDoc_STR(
"docker_time(timestamp_ns) -> bytes\n\n"
"format_docker_time's text, in ASCII: YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ.");

IOLOG_HIDDEN PyObject *docker_time(PyObject *Py_UNUSED(module), PyObject *arg)
{
    long long ts = PyLong_AsLongLong(arg);
    if (ts == -1 && PyErr_Occurred())
        return NULL;
    unsigned char text[STAMP];
    SecondText cache = {0, 0, {0}};
    write_stamp(text, (int64_t)ts, &cache);
    return PyBytes_FromStringAndSize((const char *)text, STAMP - 1);
}
