/* blascheck: is OpenBLAS running a kernel that wastes this CPU? OpenBLAS picks its kernel at
 * start-up (DYNAMIC_ARCH); an old build or a new CPU it does not know can fall back to a
 * generic pre-AVX2 kernel (Prescott, Core2, Nehalem, ...) and run ~3x slower. ps_blas_warn
 * prints one warning naming the kernel, the CPU's best instruction set and the
 * OPENBLAS_CORETYPE value to try; it never fails and never sets the variable itself (forcing a
 * kernel can crash older builds). */
#ifndef PS_BLASCHECK_H
#define PS_BLASCHECK_H

#include <stddef.h>
#include <stdio.h>

/* The kernel OpenBLAS runs ("Haswell", "Prescott", ...), or "unknown" when the BLAS linked
 * is not OpenBLAS. */
const char *ps_blas_core(void);
/* The CPU's best vector instruction set for dgemm: "AVX-512", "AVX2" or "none" (older). */
const char *ps_cpu_best_isa(void);
/* The pure decision: 1 and the warning in msg when kernel `core` is generic while the CPU has
 * AVX2 (has_avx2) or AVX-512 (has_avx512); 0 and msg empty otherwise. */
int ps_blas_verdict(const char *core, int has_avx2, int has_avx512, char *msg, size_t len);
/* The verdict for this process; prints "phasesweep: warning: ..." on f when it applies.
 * Returns 1 when it warned. Call once, on rank 0. */
int ps_blas_warn(FILE *f);
/* dgemm rate at n x n x n, one call timed after a warm-up (for benchmarks and estimate). */
double ps_blas_dgemm_gflops(int n, int reps);

#endif
