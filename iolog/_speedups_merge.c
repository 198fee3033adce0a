/* iolog._speedups: several logs' lines merged by time and printed, in bulk.
 *
 * The twins (the reference): iolog.file.wholelines.line_spans_python,
 * iolog.core.mergespans.running_max_python and merge_runs_python, and
 * iolog.cli.spangather.gather_lines_python.
 *
 * A source's lines are spans of one buffer (iolog.core.mergespans.LineSpans):
 * line i is the segments [firsts[i], stops[i]), segment s being
 * data[bounds[s] + skip : bounds[s + 1]] (a batch's entries: skip is the
 * header; joined texts: skip is 0). Per-line columns are int64 arrays in
 * native byte order, as bytes; every index read from them is checked before
 * it is used. */

#include "_speedups.h"

/* The k-th int64 of a buffer (memcpy: the buffer need not be aligned). */
static inline int64_t load64(const unsigned char *p, Py_ssize_t k)
{
    int64_t value;
    memcpy(&value, p + 8 * k, sizeof value);
    return value;
}

static inline void store64(unsigned char *p, Py_ssize_t k, int64_t value)
{
    memcpy(p + 8 * k, &value, sizeof value);
}

/* -- a batch's lines as spans ---------------------------------------------------- */

IOLOG_HIDDEN const char line_spans_doc[] = PyDoc_STR(
"line_spans(raw, starts_line, first, stop, which) -> (firsts, stops, stamps, streams)\n\n"
"The lines of entries [first, stop) of a batch whose lines' entries are\n"
"consecutive: each entry k with starts_line[k] != 0 begins a line that runs\n"
"to the next such entry (or stop). Entry first must begin one. Kept: the\n"
"lines of stdout (which=0), stderr (1) or both (2). firsts, stops and stamps\n"
"(the first entry's time) are int64 arrays; streams one byte per line.");

IOLOG_HIDDEN PyObject *line_spans(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer raw, flags;
    Py_ssize_t first, stop;
    int which;
    if (!PyArg_ParseTuple(args, "y*y*nni:line_spans", &raw, &flags, &first, &stop, &which))
        return NULL;
    PyObject *result = NULL, *firsts = NULL, *stops = NULL, *stamps = NULL, *streams = NULL;
    const unsigned char *records = raw.buf, *starts = flags.buf;
    if (first < 0 || stop < first || flags.len < stop || which < 0 || which > 2) {
        PyErr_SetString(PyExc_ValueError, "line_spans: entries outside the batch, or which not 0, 1 or 2");
        goto done;
    }
    if (check_records(&raw, stop) < 0)
        goto done;
    if (first < stop && !starts[first]) {
        PyErr_SetString(PyExc_ValueError, "line_spans: the first entry does not begin a line");
        goto done;
    }
    Py_ssize_t count = 0;
    for (Py_ssize_t k = first; k < stop; k++)
        count += starts[k] && (which == 2 || (records[RECORD * k + 8] >> 3 & 1) == which);
    firsts = PyBytes_FromStringAndSize(NULL, 8 * count);
    stops = PyBytes_FromStringAndSize(NULL, 8 * count);
    stamps = PyBytes_FromStringAndSize(NULL, 8 * count);
    streams = PyBytes_FromStringAndSize(NULL, count);
    if (firsts == NULL || stops == NULL || stamps == NULL || streams == NULL)
        goto done;
    unsigned char *out_firsts = (unsigned char *)PyBytes_AS_STRING(firsts);
    unsigned char *out_stops = (unsigned char *)PyBytes_AS_STRING(stops);
    unsigned char *out_stamps = (unsigned char *)PyBytes_AS_STRING(stamps);
    unsigned char *out_streams = (unsigned char *)PyBytes_AS_STRING(streams);
    Py_BEGIN_ALLOW_THREADS
    Py_ssize_t line = 0, k = first;
    while (k < stop) {
        Py_ssize_t end = k + 1;
        while (end < stop && !starts[end])
            end++;
        const unsigned char *record = records + RECORD * k;
        int stream = record[8] >> 3 & 1;
        if (which == 2 || stream == which) {
            store64(out_firsts, line, k);
            store64(out_stops, line, end);
            store64(out_stamps, line, record_ts(record));
            out_streams[line] = (unsigned char)stream;
            line++;
        }
        k = end;
    }
    Py_END_ALLOW_THREADS
    result = PyTuple_Pack(4, firsts, stops, stamps, streams);
done:
    Py_XDECREF(firsts);
    Py_XDECREF(stops);
    Py_XDECREF(stamps);
    Py_XDECREF(streams);
    PyBuffer_Release(&raw);
    PyBuffer_Release(&flags);
    return result;
}

/* -- the merge's keys -------------------------------------------------------------- */

IOLOG_HIDDEN const char running_max_doc[] = PyDoc_STR(
"running_max(stamps, initial) -> (keys, last)\n\n"
"Each int64 of stamps raised to the largest before it (and to initial, an\n"
"int or None): the merge's keys. last is the last key (initial if none).");

IOLOG_HIDDEN PyObject *running_max(PyObject *Py_UNUSED(module), PyObject *args)
{
    Py_buffer stamps;
    PyObject *initial_obj;
    if (!PyArg_ParseTuple(args, "y*O:running_max", &stamps, &initial_obj))
        return NULL;
    PyObject *result = NULL, *keys = NULL;
    int have = initial_obj != Py_None;
    int64_t high = 0;
    if (have) {
        long long value = PyLong_AsLongLong(initial_obj);
        if (value == -1 && PyErr_Occurred())
            goto done;
        high = (int64_t)value;
    }
    if (stamps.len % 8) {
        PyErr_SetString(PyExc_ValueError, "running_max: stamps must be int64s");
        goto done;
    }
    Py_ssize_t count = stamps.len / 8;
    keys = PyBytes_FromStringAndSize(NULL, stamps.len);
    if (keys == NULL)
        goto done;
    const unsigned char *in = stamps.buf;
    unsigned char *out = (unsigned char *)PyBytes_AS_STRING(keys);
    for (Py_ssize_t k = 0; k < count; k++) {
        int64_t stamp = load64(in, k);
        if (!have || stamp > high) {
            high = stamp;
            have = 1;
        }
        store64(out, k, high);
    }
    if (have)
        result = Py_BuildValue("(OL)", keys, (long long)high);
    else
        result = Py_BuildValue("(OO)", keys, Py_None);
done:
    Py_XDECREF(keys);
    PyBuffer_Release(&stamps);
    return result;
}

/* -- the k-way merge ---------------------------------------------------------------- */

IOLOG_HIDDEN const char merge_runs_doc[] = PyDoc_STR(
"merge_runs(lanes) -> runs\n\n"
"lanes: a list of (keys, first, stop), keys an int64 array sorted from first\n"
"to stop. The stable sort of their lines [first, stop) laid end to end, by\n"
"key (ties to the lane given first), as runs: int64 triples (lane, first,\n"
"stop), each run as long as it can be.");

IOLOG_HIDDEN PyObject *merge_runs(PyObject *Py_UNUSED(module), PyObject *arg)
{
    if (!PyList_Check(arg)) {
        PyErr_SetString(PyExc_TypeError, "merge_runs: lanes must be a list");
        return NULL;
    }
    Py_ssize_t count = PyList_GET_SIZE(arg), parsed = 0, total = 0;
    PyObject *result = NULL;
    Py_buffer *views = PyMem_Calloc(count ? (size_t)count : 1, sizeof(Py_buffer));
    Py_ssize_t *heads = PyMem_Calloc(count ? (size_t)count : 1, 2 * sizeof(Py_ssize_t));
    int64_t *head_keys = PyMem_Calloc(count ? (size_t)count : 1, sizeof(int64_t));
    if (views == NULL || heads == NULL || head_keys == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t *ends = heads + count;
    for (; parsed < count; parsed++) {
        PyObject *lane = PyList_GET_ITEM(arg, parsed);
        if (!PyTuple_Check(lane)) {
            PyErr_SetString(PyExc_TypeError, "merge_runs: a lane is a tuple (keys, first, stop)");
            goto done;
        }
        if (!PyArg_ParseTuple(lane, "y*nn:merge_runs", &views[parsed], &heads[parsed], &ends[parsed]))
            goto done;
        if (views[parsed].len % 8 || heads[parsed] < 0 || ends[parsed] < heads[parsed]
            || ends[parsed] > views[parsed].len / 8) {
            parsed++;
            PyErr_SetString(PyExc_ValueError, "merge_runs: a lane's range is outside its keys");
            goto done;
        }
        total += ends[parsed] - heads[parsed];
        if (heads[parsed] < ends[parsed])
            head_keys[parsed] = load64(views[parsed].buf, heads[parsed]);
    }
    result = PyBytes_FromStringAndSize(NULL, 24 * total);
    if (result == NULL)
        goto done;
    unsigned char *out = (unsigned char *)PyBytes_AS_STRING(result);
    Py_ssize_t runs = 0;
    Py_BEGIN_ALLOW_THREADS
    for (;;) {
        /* The lane whose head comes first, and the one after it, by (key, lane). */
        Py_ssize_t best = -1, second = -1;
        int64_t best_key = 0, second_key = 0;
        for (Py_ssize_t lane = 0; lane < count; lane++) {
            if (heads[lane] >= ends[lane])
                continue;
            int64_t key = head_keys[lane];
            if (best < 0 || key < best_key) {
                second = best;
                second_key = best_key;
                best = lane;
                best_key = key;
            } else if (second < 0 || key < second_key) {
                second = lane;
                second_key = key;
            }
        }
        if (best < 0)
            break;
        Py_ssize_t first = heads[best], end = first + 1;
        if (second < 0) {
            end = ends[best];
        } else {
            const unsigned char *keys = views[best].buf;
            while (end < ends[best]) {
                int64_t key = load64(keys, end);
                if (key > second_key || (key == second_key && best > second))
                    break;
                end++;
            }
        }
        heads[best] = end;
        if (end < ends[best])
            head_keys[best] = load64(views[best].buf, end);
        store64(out, 3 * runs, best);
        store64(out, 3 * runs + 1, first);
        store64(out, 3 * runs + 2, end);
        runs++;
    }
    Py_END_ALLOW_THREADS
    if (_PyBytes_Resize(&result, 24 * runs) < 0)
        result = NULL;
done:
    if (views != NULL)
        for (Py_ssize_t lane = 0; lane < parsed; lane++)
            PyBuffer_Release(&views[lane]);
    PyMem_Free(views);
    PyMem_Free(heads);
    PyMem_Free(head_keys);
    return result;
}

/* -- printing merged lines ------------------------------------------------------------ */

typedef struct {
    Py_buffer data, firsts, stops, stamps, streams, prefix;
    Offsets bounds;
    Py_ssize_t skip, lines;
} Lane;

static void release_lane(Lane *lane)
{
    PyBuffer_Release(&lane->data);
    PyBuffer_Release(&lane->firsts);
    PyBuffer_Release(&lane->stops);
    PyBuffer_Release(&lane->stamps);
    PyBuffer_Release(&lane->streams);
    PyBuffer_Release(&lane->prefix);
    PyBuffer_Release(&lane->bounds.view);
}

static int parse_lane(PyObject *item, Lane *lane)
{
    PyObject *bounds;
    if (!PyTuple_Check(item)) {
        PyErr_SetString(PyExc_TypeError, "gather_lines: a lane is a tuple");
        return -1;
    }
    if (!PyArg_ParseTuple(item, "y*nOy*y*y*y*y*:gather_lines", &lane->data, &lane->skip, &bounds,
                          &lane->firsts, &lane->stops, &lane->stamps, &lane->streams, &lane->prefix))
        return -1;
    if (get_offsets(bounds, &lane->bounds) < 0) {
        PyBuffer_Release(&lane->data);
        PyBuffer_Release(&lane->firsts);
        PyBuffer_Release(&lane->stops);
        PyBuffer_Release(&lane->stamps);
        PyBuffer_Release(&lane->streams);
        PyBuffer_Release(&lane->prefix);
        return -1;
    }
    lane->lines = lane->streams.len;
    if (lane->skip < 0 || lane->firsts.len != 8 * lane->lines || lane->stops.len != 8 * lane->lines
        || lane->stamps.len != 8 * lane->lines) {
        release_lane(lane);
        PyErr_SetString(PyExc_ValueError, "gather_lines: a lane's columns differ in length");
        return -1;
    }
    return 0;
}

/* At most the bytes line i of a lane prints (its segments and a newline it
 * may lack), or -1 (with an exception) if an index is out of range. The data
 * is not read here: the gather reads each line once, as it copies it. */
static Py_ssize_t line_length(const Lane *lane, Py_ssize_t i)
{
    int64_t first = load64(lane->firsts.buf, i), stop = load64(lane->stops.buf, i);
    const int64_t *bounds = lane->bounds.items;
    if (first < 0 || stop < first || stop >= lane->bounds.count) {
        PyErr_SetString(PyExc_ValueError, "gather_lines: a line's segments are outside the bounds");
        return -1;
    }
    Py_ssize_t length = 1;
    for (int64_t s = first; s < stop; s++) {
        int64_t begin = bounds[s], end = bounds[s + 1];
        if (begin < 0 || end > lane->data.len || end - begin < lane->skip) {
            PyErr_SetString(PyExc_ValueError, "gather_lines: a segment is outside the data");
            return -1;
        }
        length += (Py_ssize_t)(end - begin - lane->skip);
    }
    return length;
}

IOLOG_HIDDEN const char gather_lines_doc[] = PyDoc_STR(
"gather_lines(lanes, runs, which, stamped) -> bytes\n\n"
"lanes: a list of (data, skip, bounds, firsts, stops, stamps, streams,\n"
"prefix); runs: int64 triples (lane, first, stop). The lines of the runs in\n"
"order, of stdout (which=0), stderr (1) or both (2), each led by its lane's\n"
"prefix and (stamped) its docker timestamp and a space, and ended with a\n"
"newline if it lacks one.");

IOLOG_HIDDEN PyObject *gather_lines(PyObject *Py_UNUSED(module), PyObject *args)
{
    PyObject *lanes_obj, *result = NULL;
    Py_buffer runs;
    int which, stamped;
    if (!PyArg_ParseTuple(args, "O!y*ip:gather_lines", &PyList_Type, &lanes_obj, &runs, &which, &stamped))
        return NULL;
    Py_ssize_t count = PyList_GET_SIZE(lanes_obj), parsed = 0;
    Lane *lanes = PyMem_Calloc(count ? (size_t)count : 1, sizeof(Lane));
    if (lanes == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (; parsed < count; parsed++)
        if (parse_lane(PyList_GET_ITEM(lanes_obj, parsed), &lanes[parsed]) < 0)
            goto done;
    if (runs.len % 24 || which < 0 || which > 2) {
        PyErr_SetString(PyExc_ValueError, "gather_lines: runs are int64 triples; which is 0, 1 or 2");
        goto done;
    }
    Py_ssize_t run_count = runs.len / 24, total = 0;
    const unsigned char *run_items = runs.buf;
    for (Py_ssize_t r = 0; r < run_count; r++) {
        int64_t number = load64(run_items, 3 * r), first = load64(run_items, 3 * r + 1);
        int64_t stop = load64(run_items, 3 * r + 2);
        if (number < 0 || number >= count || first < 0 || stop < first || stop > lanes[number].lines) {
            PyErr_SetString(PyExc_ValueError, "gather_lines: a run is outside its lane");
            goto done;
        }
        const Lane *lane = &lanes[number];
        const unsigned char *streams = lane->streams.buf;
        for (int64_t i = first; i < stop; i++) {
            if (which != 2 && streams[i] != which)
                continue;
            Py_ssize_t length = line_length(lane, (Py_ssize_t)i);
            if (length < 0)
                goto done;
            total += length + lane->prefix.len + (stamped ? STAMP : 0);
            if (total > PY_SSIZE_T_MAX / 2) {
                PyErr_NoMemory();
                goto done;
            }
        }
    }
    result = PyBytes_FromStringAndSize(NULL, total);
    if (result == NULL)
        goto done;
    unsigned char *out = (unsigned char *)PyBytes_AS_STRING(result);
    Py_BEGIN_ALLOW_THREADS
    SecondText cache = {0, 0, {0}};
    for (Py_ssize_t r = 0; r < run_count; r++) {
        const Lane *lane = &lanes[load64(run_items, 3 * r)];
        int64_t first = load64(run_items, 3 * r + 1), stop = load64(run_items, 3 * r + 2);
        const unsigned char *streams = lane->streams.buf, *data = lane->data.buf;
        const int64_t *bounds = lane->bounds.items;
        for (int64_t i = first; i < stop; i++) {
            if (which != 2 && streams[i] != which)
                continue;
            memcpy(out, lane->prefix.buf, (size_t)lane->prefix.len);
            out += lane->prefix.len;
            if (stamped) {
                write_stamp(out, load64(lane->stamps.buf, i), &cache);
                out += STAMP;
            }
            int last = -1;
            for (int64_t s = load64(lane->firsts.buf, i), stop_segment = load64(lane->stops.buf, i);
                 s < stop_segment; s++) {
                int64_t begin = bounds[s] + lane->skip, end = bounds[s + 1];
                if (end > begin) {
                    memcpy(out, data + begin, (size_t)(end - begin));
                    out += end - begin;
                    last = data[end - 1];
                }
            }
            if (last != '\n')
                *out++ = '\n';
        }
    }
    Py_END_ALLOW_THREADS
    if (_PyBytes_Resize(&result, out - (unsigned char *)PyBytes_AS_STRING(result)) < 0)
        result = NULL;
done:
    if (lanes != NULL)
        for (Py_ssize_t lane = 0; lane < parsed; lane++)
            release_lane(&lanes[lane]);
    PyMem_Free(lanes);
    PyBuffer_Release(&runs);
    return result;
}
