"""The layout of phasesweep's sweep and trace files (layout_version 2), mirrored from the C
table in src/io/layout.c (`phasesweep info --layout json` prints that one; tests/python checks
that the two agree).

Each variable: name, numpy type, fill (None: no _FillValue; "nan"; -1), dims, units
(UDUNITS: "1" dimensionless, "s" seconds), long_name, description, flag_meanings (CF: the
meanings of flag_values 0, 1, ...; None when the variable holds no flags).
"""

LAYOUT_VERSION = 2

SWEEP_COORDINATES = 'sigma2 width'
TRACE_COORDINATES = ''

SWEEP = (
    dict(name='gamma_s', type='float64', fill=None, dims=('gamma_s',), units='1',
         long_name='gamma_s', description='initialization variance exponent: sigma2 = d^gamma_s',
         flag_meanings=None),
    dict(name='gamma_w', type='float64', fill=None, dims=('gamma_w',), units='1',
         long_name='gamma_w', description='width exponent: width = floor(d^gamma_w)',
         flag_meanings=None),
    dict(name='replica', type='int64', fill=None, dims=('replica',), units='1',
         long_name='replica',
         description='replica number (0 .. R-1, or A .. B-1 of --replicas A:B): its own teacher '
                     'and initial weights',
         flag_meanings=None),
    dict(name='sigma2', type='float64', fill=None, dims=('gamma_s',), units='1',
         long_name='initialization variance',
         description='variance of the initial weights, d^gamma_s', flag_meanings=None),
    dict(name='width', type='int64', fill=None, dims=('gamma_w',), units='1',
         long_name='network width', description='hidden width w = floor(d^gamma_w)',
         flag_meanings=None),
    dict(name='min_test_error', type='float64', fill='nan',
         dims=('gamma_s', 'gamma_w', 'replica'), units='1', long_name='minimum test error',
         description='min over recorded iterations of ||A_i - A*||_F^2 / d^2', flag_meanings=None),
    dict(name='stable_rank', type='float64', fill='nan', dims=('gamma_s', 'gamma_w', 'replica'),
         units='1', long_name='stable rank at the minimum',
         description='||A_j||_F^2 / ||A_j||_op^2 at the test-error argmin j', flag_meanings=None),
    dict(name='iterations', type='int32', fill=-1, dims=('gamma_s', 'gamma_w', 'replica'),
         units='1', long_name='iterations to the minimum',
         description='the test-error argmin j (first on ties)', flag_meanings=None),
    dict(name='log_distance', type='float64', fill='nan', dims=('gamma_s', 'gamma_w', 'replica'),
         units='1', long_name='ln max GD-vs-theory distance',
         description='ln max_i ||A_i - B_i||_F^2 / d^2; NaN without the theory dynamics',
         flag_meanings=None),
    dict(name='final_train_error', type='float64', fill='nan',
         dims=('gamma_s', 'gamma_w', 'replica'), units='1', long_name='final train error',
         description='train error of the last recorded iterate', flag_meanings=None),
    dict(name='n_iter', type='int32', fill=-1, dims=('gamma_s', 'gamma_w', 'replica'), units='1',
         long_name='GD steps taken', description='gradient descent steps until the run stopped',
         flag_meanings=None),
    dict(name='seconds', type='float64', fill='nan', dims=('gamma_s', 'gamma_w', 'replica'),
         units='s', long_name='run time',
         description='wall time of the task, drawing the network included', flag_meanings=None),
    dict(name='stop_reason', type='int8', fill=-1, dims=('gamma_s', 'gamma_w', 'replica'),
         units='1', long_name='stop reason',
         description='why the run stopped; the fill -1 means not done',
         flag_meanings='converged overfitting plateau max_iter diverged'),
    dict(name='done', type='uint8', fill=None, dims=('gamma_s', 'gamma_w', 'replica'), units='1',
         long_name='task done',
         description='1 once every value of the task is written (written last)',
         flag_meanings='not_done done'),
)

TRACE = (
    dict(name='iteration', type='int64', fill=None, dims=('iteration',), units='1',
         long_name='iteration',
         description='gradient descent steps taken (0: the initial network)', flag_meanings=None),
    dict(name='sv_index', type='int64', fill=None, dims=('sv_index',), units='1',
         long_name='singular value index',
         description='position of a singular value in descending order (0: the largest)',
         flag_meanings=None),
    dict(name='gd_train_error', type='float64', fill=None, dims=('iteration',), units='1',
         long_name='GD train error',
         description="||A - (A* + E)||_F^2 / d^2 of gradient descent's A = W2 W1",
         flag_meanings=None),
    dict(name='gd_test_error', type='float64', fill=None, dims=('iteration',), units='1',
         long_name='GD test error',
         description="||A - A*||_F^2 / d^2 of gradient descent's A = W2 W1", flag_meanings=None),
    dict(name='theory_train_error', type='float64', fill=None, dims=('iteration',), units='1',
         long_name='theory train error',
         description="||B - (A* + E)||_F^2 / d^2 of the self-consistent dynamics' B",
         flag_meanings=None),
    dict(name='theory_test_error', type='float64', fill=None, dims=('iteration',), units='1',
         long_name='theory test error',
         description="||B - A*||_F^2 / d^2 of the self-consistent dynamics' B",
         flag_meanings=None),
    dict(name='distance', type='float64', fill=None, dims=('iteration',), units='1',
         long_name='GD-vs-theory distance', description='||A - B||_F^2 / d^2', flag_meanings=None),
    dict(name='gd_singular_values', type='float64', fill=None, dims=('iteration', 'sv_index'),
         units='1', long_name='singular values of A',
         description="all singular values of gradient descent's A, descending",
         flag_meanings=None),
    dict(name='theory_singular_values', type='float64', fill=None, dims=('iteration', 'sv_index'),
         units='1', long_name='singular values of B',
         description="all singular values of the theory's B, descending", flag_meanings=None),
)


def variables(kind):
    """The variables of a "sweep" or "trace" file, in the file's order."""
    return {"sweep": SWEEP, "trace": TRACE}[kind]


def as_json():
    """The same object `phasesweep info --layout json` prints."""
    return {"layout_version": LAYOUT_VERSION,
            "sweep_coordinates": SWEEP_COORDINATES,
            "sweep": [dict(v, dims=list(v["dims"])) for v in SWEEP],
            "trace_coordinates": TRACE_COORDINATES,
            "trace": [dict(v, dims=list(v["dims"])) for v in TRACE]}
