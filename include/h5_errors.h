/* h5_errors: HDF5 failures as one line. ps_h5_errors_init, called right after MPI_Init and
 * before any other HDF5 call, stops HDF5 from closing files at exit (after a failure that
 * runs collectives that hang, or crashes) and from printing its error stack; the environment
 * variable PHASESWEEP_HDF5_ERRORS=1 keeps the stack printed (for a bug report). PS_H5 (check.h)
 * then reports a failure as "cannot write FILE: No space left on device": the operation, the
 * file and the operating system's reason, read off the error stack or errno. */
#ifndef PS_H5_ERRORS_H
#define PS_H5_ERRORS_H

void ps_h5_errors_init(void);

/* Marks what follows as reading an untrusted input file (a --load file, the file to resume,
 * a part to merge, a file for info): until ps_h5_input(NULL, NULL), any failing PS_H5 call is
 * that file's fault, reported as bad input (exit status 2, ps_bad_input) in one line
 * "<what>: <path>: damaged or not as phasesweep writes it: CALL failed: reason". */
void ps_h5_input(const char *what, const char *path);

#endif
