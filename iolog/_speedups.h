/* iolog._speedups: what its C files share (see _speedups.c). */

#ifndef IOLOG_SPEEDUPS_H
#define IOLOG_SPEEDUPS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <string.h>

#if defined(__GNUC__)
#define IOLOG_HIDDEN __attribute__((visibility("hidden")))
#else
#define IOLOG_HIDDEN
#endif

#define HDR 16
#define RECORD 12

/* The little-endian int64 timestamp of a decoded header (bytes 0-7). */
static inline int64_t record_ts(const unsigned char *record)
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

/* -- _speedups.c: buffers of int64 offsets and 12-byte header records -- */

typedef struct {
    Py_buffer view;
    const int64_t *items;
    Py_ssize_t count;
} Offsets;

IOLOG_HIDDEN int get_offsets(PyObject *obj, Offsets *out);
IOLOG_HIDDEN int check_entries(const Offsets *starts, Py_ssize_t first, Py_ssize_t last, Py_ssize_t size);
IOLOG_HIDDEN int check_records(const Py_buffer *raw, Py_ssize_t last);

/* "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ " (31 bytes) for unix nanoseconds: docker's
 * timestamp, as iolog.core.format.format_docker_time writes it, and a space. */
#define STAMP 31

typedef struct {
    int64_t second;   /* the unix second whose text is cached */
    int valid;
    unsigned char text[19];
} SecondText;

/* -- _speedups_walk.c: the rules of a header, the walk's batch step -- */

IOLOG_HIDDEN void init_tables(void);
IOLOG_HIDDEN PyObject *walk_batch(PyObject *module, PyObject *args);
IOLOG_HIDDEN extern const char walk_batch_doc[];

/* -- _speedups_batch.c: what passes do with a batch -- */

IOLOG_HIDDEN PyObject *last_bytes(PyObject *module, PyObject *args);
IOLOG_HIDDEN PyObject *line_starts(PyObject *module, PyObject *args);
IOLOG_HIDDEN PyObject *span_stats(PyObject *module, PyObject *args);
IOLOG_HIDDEN PyObject *index_regions(PyObject *module, PyObject *args);
IOLOG_HIDDEN PyObject *gather(PyObject *module, PyObject *args);
IOLOG_HIDDEN PyObject *docker_time(PyObject *module, PyObject *arg);
IOLOG_HIDDEN void write_stamp(unsigned char *out, int64_t ts, SecondText *cache);
IOLOG_HIDDEN extern const char last_bytes_doc[];
IOLOG_HIDDEN extern const char line_starts_doc[];
IOLOG_HIDDEN extern const char span_stats_doc[];
IOLOG_HIDDEN extern const char index_regions_doc[];
IOLOG_HIDDEN extern const char gather_doc[];
IOLOG_HIDDEN extern const char docker_time_doc[];

/* -- _speedups_lines.c: a batch's entries as logical lines -- */

IOLOG_HIDDEN PyObject *line_rows(PyObject *module, PyObject *args);
IOLOG_HIDDEN PyObject *number_streams(PyObject *module, PyObject *args);
IOLOG_HIDDEN PyObject *line_hits(PyObject *module, PyObject *args);
IOLOG_HIDDEN extern const char line_rows_doc[];
IOLOG_HIDDEN extern const char number_streams_doc[];
IOLOG_HIDDEN extern const char line_hits_doc[];

/* -- _speedups_merge.c: several logs' lines, merged by time and printed -- */

IOLOG_HIDDEN PyObject *line_spans(PyObject *module, PyObject *args);
IOLOG_HIDDEN PyObject *running_max(PyObject *module, PyObject *args);
IOLOG_HIDDEN PyObject *merge_runs(PyObject *module, PyObject *arg);
IOLOG_HIDDEN PyObject *gather_lines(PyObject *module, PyObject *args);
IOLOG_HIDDEN extern const char line_spans_doc[];
IOLOG_HIDDEN extern const char running_max_doc[];
IOLOG_HIDDEN extern const char merge_runs_doc[];
IOLOG_HIDDEN extern const char gather_lines_doc[];

#endif
