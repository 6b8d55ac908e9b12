# phasesweep build. Every compiler and library flag is an overridable variable:
#   make MPICC=/opt/mpi/bin/mpicc BLAS_LIBS="-L/opt/ob/lib -lopenblas" ...
# Defaults come from pkg-config (Debian 12 package names) and h5pcc.

MPICC      ?= mpicc
MPIRUN     ?= mpirun
PKG_CONFIG ?= pkg-config
PYTHON     ?= /usr/bin/python3
PREFIX     ?= /usr/local
DESTDIR    ?=
NPROCS     ?= $(shell nproc 2>/dev/null || echo 1)

pc = $(shell $(PKG_CONFIG) $(1) 2>/dev/null)

BLAS_CFLAGS      ?= $(call pc,--cflags openblas)
BLAS_LIBS        ?= $(call pc,--libs openblas)
LAPACK_CFLAGS    ?= $(call pc,--cflags lapacke)
LAPACK_LIBS      ?= $(call pc,--libs lapacke)
SCALAPACK_CFLAGS ?= $(call pc,--cflags scalapack-openmpi)
SCALAPACK_LIBS   ?= $(call pc,--libs scalapack-openmpi)
HDF5_CFLAGS      ?= $(or $(call pc,--cflags hdf5-openmpi),$(filter -I%,$(shell h5pcc -show 2>/dev/null)))
HDF5_LIBS        ?= $(or $(patsubst -lhdf5,-lhdf5_hl -lhdf5,$(call pc,--libs hdf5-openmpi)),$(filter-out -I%,$(wordlist 2,999,$(shell h5pcc -show 2>/dev/null))))
RNG_CFLAGS       ?=
# ELPA (1-stage) for the groups' eigensolver when pkg-config finds it; make ELPA=0 uses pdsyevd
ELPA             ?= $(shell $(PKG_CONFIG) --exists elpa 2>/dev/null && echo 1 || echo 0)
ELPA_CFLAGS      ?= $(if $(filter 1,$(ELPA)),-DPS_HAVE_ELPA $(call pc,--cflags elpa))
ELPA_LIBS        ?= $(if $(filter 1,$(ELPA)),-lelpa)
CMOCKA_CFLAGS    ?= $(call pc,--cflags cmocka)
CMOCKA_LIBS      ?= $(call pc,--libs cmocka)

OPTFLAGS ?= -O2 -march=x86-64-v2
CFLAGS   ?= $(OPTFLAGS) -g
WARN     ?= -Wall -Wextra -Wno-unused-parameter
CPPFLAGS += -Iinclude $(BLAS_CFLAGS) $(LAPACK_CFLAGS) $(SCALAPACK_CFLAGS) $(HDF5_CFLAGS) \
            $(RNG_CFLAGS) $(ELPA_CFLAGS)
LDLIBS   += $(HDF5_LIBS) $(ELPA_LIBS) $(SCALAPACK_LIBS) $(LAPACK_LIBS) $(BLAS_LIBS) -lm

SRC      := $(wildcard src/*/*.c)
OBJ      := $(patsubst src/%.c,build/%.o,$(SRC))
LIBOBJ   := $(filter-out build/cmd/main.o,$(OBJ))
TESTSRC  := $(wildcard tests/test_*.c)
TESTBIN  := $(patsubst tests/%.c,build/tests/%,$(TESTSRC))
BENCHSRC := $(wildcard tests/bench_*.c)
BENCHBIN := $(patsubst tests/%.c,build/tests/%,$(BENCHSRC))

export OMPI_ALLOW_RUN_AS_ROOT=1
export OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1

# The commit the binary is built from (recorded as provenance_git_commit in every file);
# "unknown" outside a git checkout. build/git-commit changes only when the commit does.
GIT_COMMIT := $(or $(shell git -C $(CURDIR) describe --always --dirty 2>/dev/null),unknown)

.PHONY: all deps deps-check run finite-size-demo beyond-demo check mutation bench figure2-paper clean distclean install uninstall docs FORCE

all: bin/phasesweep

bin/phasesweep: $(OBJ) | bin
	$(MPICC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

build/%.o: src/%.c | build
	@mkdir -p $(@D)
	$(MPICC) -std=c11 $(CPPFLAGS) $(CFLAGS) $(WARN) -MMD -MP -c -o $@ $<

build/tests/%: tests/%.c $(LIBOBJ) | build/tests
	$(MPICC) -std=c11 $(CPPFLAGS) $(CMOCKA_CFLAGS) $(CFLAGS) $(WARN) -o $@ $< $(LIBOBJ) $(LDFLAGS) $(LDLIBS) $(CMOCKA_LIBS)

build/git-commit: FORCE | build
	@# a user who cannot write build/ (make install by another user) keeps the stamp as is
	@if echo '$(GIT_COMMIT)' > $@.tmp 2>/dev/null; then cmp -s $@.tmp $@ || mv $@.tmp $@; fi; \
	rm -f $@.tmp 2>/dev/null; true

build/io/provenance.o: build/git-commit
build/io/provenance.o: CPPFLAGS += -DPS_GIT_COMMIT='"$(GIT_COMMIT)"'

bin build build/tests:
	mkdir -p $@

# Install the Debian packages the build and the analysis need (deps) and the tests too
# (deps-check) when root, or print the exact apt-get line to run.
deps:
	@sh tests/deps.sh

deps-check:
	@sh tests/deps.sh check

run: deps bin/phasesweep
	@sh jobs/local-run.sh

# Phase boundaries at d = 25, 50, 100 on all local cores, then their drift with d.
finite-size-demo: deps bin/phasesweep
	@sh jobs/finite-size-demo.sh

# the knobs beyond the paper (--gr, --update, --problem completion): minutes on 2 cores
beyond-demo: deps bin/phasesweep
	@sh jobs/beyond-demo.sh

check: deps-check
	$(MAKE) --no-print-directory all $(TESTBIN)
	@sh tests/run_all.sh

# Small mutations of the core (tests/mutation/mutations.txt), one at a time on a copy of the
# tree: each must make a unit or CLI test fail. Not part of check (~15 min on 2 cores);
# make mutation MUTATION_ARGS="--only teacher-scale-k^-1/2 --all" for one, with every catcher.
mutation: all $(TESTBIN)
	@$(PYTHON) tools/mutation.py $(MUTATION_ARGS)

bench: deps-check
	$(MAKE) --no-print-directory all $(BENCHBIN)
	@sh tests/run_bench.sh

# bin/phasesweep and the phasesweep-* analysis commands into $(PREFIX)/bin; analysis/ (the
# phasesweep package), jobs/, README.md, docs/ into $(PREFIX)/share/phasesweep, and a .pth file
# that makes `import phasesweep` work for $(PYTHON) (see tools/install.sh). No root needed for a
# home prefix: make install PREFIX=$$HOME/.local
install: bin/phasesweep
	@PYTHON=$(PYTHON) sh tools/install.sh install "$(PREFIX)" "$(DESTDIR)"

# The option and layout tables of docs/ from bin/phasesweep (tests/readme checks them)
docs: bin/phasesweep
	@PHASESWEEP=bin/phasesweep $(PYTHON) tools/docs_tables.py

uninstall:
	@sh tools/install.sh uninstall "$(PREFIX)" "$(DESTDIR)"

# The paper-size Figure 2 on all local cores, timed (a benchmark, not part of check); a
# reduced grid: make figure2-paper GS=-3:0:3 GW=0:2.8:3 MAX_ITER=50
figure2-paper: deps all
	@sh jobs/figure2-paper.sh

clean:
	rm -rf build bin

distclean: clean
	rm -rf results

-include $(OBJ:.o=.d)
