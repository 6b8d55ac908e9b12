/* bench_blas: the OpenBLAS kernel this process runs, the CPU's best instruction set and the
 * dgemm rate (1 thread) that every other figure of `make bench` should be read against.
 * `bench_blas short` prints the one line the other benchmarks put above their figures. */
#include <cblas.h>
#include <stdio.h>
#include <string.h>

#include "blascheck.h"

int main(int argc, char **argv)
{
    openblas_set_num_threads(1);
    ps_blas_warn(stderr);
    if (argc > 1 && !strcmp(argv[1], "short")) {
        printf("blas: OpenBLAS kernel %s, CPU %s, dgemm %.1f GFLOP/s (n = 512, 1 thread)\n",
               ps_blas_core(), ps_cpu_best_isa(), ps_blas_dgemm_gflops(512, 3));
        return 0;
    }
    printf("phasesweep bench_blas: OpenBLAS kernel %s on a CPU with %s (1 thread)\n",
           ps_blas_core(), ps_cpu_best_isa());
    const int ns[] = {128, 256, 512, 1024};
    for (size_t i = 0; i < sizeof ns / sizeof *ns; i++)
        printf("  dgemm n = %4d: %6.1f GFLOP/s\n", ns[i], ps_blas_dgemm_gflops(ns[i], 5));
    return 0;
}
