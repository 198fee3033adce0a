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
 * Five files: this one (the module, and the offsets and records every
 * function reads), _speedups_walk.c (the rules of a header and the walk's
 * batch step), _speedups_batch.c (what passes do with a batch),
 * _speedups_lines.c (a batch's entries as lines, for the viewer) and
 * _speedups_merge.c (several logs' lines merged by time, for cat).
 *
 * Rules (iolog/core/rules.py): a header is 16 characters, 13 of the base64
 * alphabet, one of "AQgw", then "=="; decoded, its reserved flag bits are
 * zero and its timestamp lies in (0, 2**62). Two timestamps more than
 * 2**58 ns apart are far.
 */

#include "_speedups.h"

/* -- buffers of int64 offsets ------------------------------------------------ */

IOLOG_HIDDEN int get_offsets(PyObject *obj, Offsets *out)
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
IOLOG_HIDDEN int check_entries(const Offsets *starts, Py_ssize_t first, Py_ssize_t last, Py_ssize_t size)
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

IOLOG_HIDDEN int check_records(const Py_buffer *raw, Py_ssize_t last)
{
    if (raw->len / RECORD < last) {
        PyErr_SetString(PyExc_ValueError, "fewer header records than entries");
        return -1;
    }
    return 0;
}

static PyMethodDef methods[] = {
    {"walk_batch", walk_batch, METH_VARARGS, walk_batch_doc},
    {"last_bytes", last_bytes, METH_VARARGS, last_bytes_doc},
    {"line_starts", line_starts, METH_VARARGS, line_starts_doc},
    {"span_stats", span_stats, METH_VARARGS, span_stats_doc},
    {"gather", gather, METH_VARARGS, gather_doc},
    {"index_regions", index_regions, METH_VARARGS, index_regions_doc},
    {"docker_time", docker_time, METH_O, docker_time_doc},
    {"line_rows", line_rows, METH_VARARGS, line_rows_doc},
    {"number_streams", number_streams, METH_VARARGS, number_streams_doc},
    {"line_hits", line_hits, METH_VARARGS, line_hits_doc},
    {"line_spans", line_spans, METH_VARARGS, line_spans_doc},
    {"running_max", running_max, METH_VARARGS, running_max_doc},
    {"merge_runs", merge_runs, METH_O, merge_runs_doc},
    {"gather_lines", gather_lines, METH_VARARGS, gather_lines_doc},
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
