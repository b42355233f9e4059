// swatnn/regressor.hpp: the fit/predict facade. swatnn::regressor runs the pipeline of the `swatnn search` command
// (examples/swatnn.cpp) in one call: scale the data to [-1, 1] (data/dataset.hpp, data/scaling.hpp), search the
// shipped swat-small autoencoder's latent space (search/latent_search.hpp), fine-tune every candidate and pick the
// smallest within tolerance (search/tuned_selection.hpp). predict() takes and returns data units (the dataset's
// scalers in and out); network() is the found sparse network in scaled units; save/load keep the network with its
// scalers (network/export_json.hpp), export_cpp writes a standalone header (network/export_cpp.hpp).
// Sharing: the autoencoder is loaded once (load_shared_autoencoder) and held as std::shared_ptr<const AE>; each
// fit() copies its parameters into a working autoencoder of its own (the search writes workspaces inside the
// autoencoder), so regressors sharing one model may fit on different threads at the same time. One regressor is
// like a standard container: its const members may run concurrently, fit() and load() need it to themselves.
// Compile time: a translation unit that calls fit() compiles the whole pipeline (the decoders of every depth, the
// search, both fine-tuners, the JSON reader and writer). A program with several such files compiles it once: after
// the include, `extern template class swatnn::basic_regressor<>;` in each, and `template class
// swatnn::basic_regressor<>;` in one of them (or in a file of its own); fit(dataset), save, load and export_cpp are
// defined out of the class (not inline) for this. universal_regressor fits data of 1 to 7 inputs (the universal
// model); regressor, the 2-input model's, data of 2.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <Eigen/Core>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include <swatnn/autoencoder/model_file.hpp>
#include <swatnn/autoencoder/swat_small.hpp>
#include <swatnn/backend/cpu.hpp>
#include <swatnn/data/dataset.hpp>
#include <swatnn/data/scaling.hpp>
#include <swatnn/data/table.hpp>
#include <swatnn/error.hpp>
#include <swatnn/network/export_cpp.hpp>
#include <swatnn/network/export_json.hpp>
#include <swatnn/network/sparse_network.hpp>
#include <swatnn/optim/adam.hpp>
#include <swatnn/optim/progress_bar.hpp>
#include <swatnn/regularizers/mask_penalties.hpp>
#include <swatnn/regularizers/sum.hpp>
#include <swatnn/regularizers/weight_penalties.hpp>
#include <swatnn/search/fine_tune.hpp>
#include <swatnn/search/fine_tune_lm.hpp>
#include <swatnn/search/latent_search.hpp>
#include <swatnn/search/tuned_selection.hpp>

namespace swatnn {

// The weights of the search's penalties (regularizers/): the paper's loss, the swatnn command's defaults.
struct regressor_penalties {
  double l0 = 1e-6;              // smooth_l0 (sharpness 20): the soft count of surviving weights
  double l1 = 1e-5;              // l1 on the gated weights
  double mask_separation = 0.4;  // mask_separation: pushes neuron masks away from 0.5
  double neuron_count = 1e-3;    // neuron_count: the soft count of active neurons
};

struct regressor_options {
  // The latent search: restarts, iterations, seed, max_parameters (a budget for the search), ... As the swatnn
  // command does, candidates are scored from iteration min(select_after, iterations / 2) on, so a short search is
  // scored after half its iterations rather than only at its last.
  latent_search_options search = {.restarts = 4};
  regressor_penalties penalties = {};
  // true: every candidate is fine-tuned and the pick is made after tuning (tuning.method: adam, levenberg_marquardt
  // or adam_then_levenberg_marquardt; tuning.tune / tuning.lm: their budgets; tuning.max_parameters: prune to a
  // budget while tuning; tuning.tolerance: the pick). false: the search's own pick, as extracted.
  bool fine_tune = true;
  tuned_selection_options tuning = {};
  // How fit(X, y) splits the rows: validation_fraction (0.2) of them is carved for validation with `seed`,
  // test_fraction (0) held out as a test split (summary().test). fit(dataset) uses the dataset's own splits.
  data::split_options split = {};
  int threads = 0;                        // OpenMP threads during fit (0: the calling thread's current setting)
  bool progress = false;                  // a progress bar on stderr during the search (when stderr is a terminal)
  std::filesystem::path model_path = {};  // read by the first fit when the regressor was given no autoencoder
                                          // (empty: the shipped model of the family, shipped_model_path<AE>())
};

// A mean squared error in both units.
struct regressor_mse {
  double data = 0;    // in the target's own units
  double scaled = 0;  // in the units the network works in (labels min-max scaled to [-1, 1] on the training rows)
};

// What fit() found (load(): what the file's metadata says).
struct regressor_summary {
  std::string name;                       // the dataset's name
  int depth = 0, active_neurons = 0, nonzero_parameters = 0;
  std::optional<regressor_mse> train, validation, test;  // test: only when the data had a test split
  double seconds = 0;                     // of the search and the fine-tuning (0 after load)
};

// The shipped model of AE's network family: the universal one (1 to 7 inputs) for universal_spec, else the
// 2-input swat-small model.
template <class AE>
std::filesystem::path shipped_model_path() {
  return std::is_same_v<typename AE::spec, universal_spec> ? universal_model_path() : default_model_path();
}

// Loads an autoencoder once for sharing between regressors (and threads): default the shipped model of its family.
template <class AE = swat_small_autoencoder<>>
std::shared_ptr<const AE> load_shared_autoencoder(const std::filesystem::path& path = shipped_model_path<AE>()) {
  auto ae = std::make_shared<AE>();
  load_model(*ae, path);
  return ae;
}

namespace detail {
// Sets the calling thread's OpenMP thread count for the object's lifetime (threads > 0), then restores it.
class openmp_threads_scope {
 public:
  explicit openmp_threads_scope(int threads) {
    if (threads > 0) {
      previous_ = current();
      set(threads);
    }
  }
  ~openmp_threads_scope() {
    if (previous_ > 0) set(previous_);
  }
  openmp_threads_scope(const openmp_threads_scope&) = delete;
  openmp_threads_scope& operator=(const openmp_threads_scope&) = delete;

 private:
  static int current() {
#if defined(_OPENMP)
    return omp_get_max_threads();
#else
    return 1;
#endif
  }
  static void set([[maybe_unused]] int threads) {
#if defined(_OPENMP)
    omp_set_num_threads(threads);
#endif
  }
  int previous_ = 0;
};

// Throws value_error naming `who` and the first non-finite entry of `m` (`what`: "X", "y").
template <class Derived>
void check_all_finite(const Eigen::MatrixBase<Derived>& m, const std::string& who, const char* what) {
  for (Eigen::Index c = 0; c < m.cols(); ++c)
    for (Eigen::Index r = 0; r < m.rows(); ++r)
      if (!std::isfinite(static_cast<double>(m(r, c))))
        throw value_error(who + ": " + what + " row " + std::to_string(r) + ", column " + std::to_string(c) + " is " +
                          std::to_string(static_cast<double>(m(r, c))) +
                          "; remove or impute the rows with NaN or Inf first");
}
}  // namespace detail

template <class AE = swat_small_autoencoder<>>
class basic_regressor {
 public:
  using autoencoder_type = AE;
  using spec = typename AE::spec;
  using network_type = sparse_network<spec, float>;
  static_assert(spec::outputs == 1, "swatnn::basic_regressor: a regressor predicts one target (spec::outputs == 1)");
  static_assert(std::is_same_v<typename AE::scalar_type, float>,
                "swatnn::basic_regressor: the search's fine-tuning works on float32 autoencoders");
  static constexpr int inputs = spec::inputs;  // the most inputs (universal_regressor: 1 to 7, one model for all)

  // `model`: a loaded autoencoder to share (load_shared_autoencoder); nullptr: the first fit loads
  // options.model_path. The options are checked here (value_error).
  explicit basic_regressor(regressor_options options = {}, std::shared_ptr<const AE> model = nullptr)
      : options_(std::move(options)), model_(std::move(model)) {
    validate(options_);
  }

  const regressor_options& options() const { return options_; }
  // The autoencoder the fits use (nullptr until the first fit when none was given).
  const std::shared_ptr<const AE>& model() const { return model_; }

  // Fits on raw data: X is rows x k (1 <= k <= inputs; the 2-input model was trained on 2-input networks only, so
  // use universal_regressor for other counts), y has one value per row (a vector or a one-column matrix), both in
  // data units. The scalers are fitted on the rows that are not test rows (options.split). Returns *this.
  template <class DerivedX, class DerivedY>
  basic_regressor& fit(const Eigen::MatrixBase<DerivedX>& x, const Eigen::MatrixBase<DerivedY>& y) {
    const std::string who = "swatnn::regressor::fit";
    if (x.cols() < 1 || x.cols() > inputs)
      throw shape_error(who + ": X has " + std::to_string(x.cols()) + " columns; the model's networks take " +
                        (inputs == 1 ? std::string("1") : "1.." + std::to_string(inputs)) +
                        " inputs (one column per input, one row per point)");
    if (y.cols() != 1)
      throw shape_error(who + ": y has " + std::to_string(y.cols()) + " columns; expected one target value per row");
    if (y.rows() != x.rows())
      throw shape_error(who + ": X has " + std::to_string(x.rows()) + " rows but y has " + std::to_string(y.rows()));
    if (x.rows() == 0) throw value_error(who + ": X and y have no rows");
    detail::check_all_finite(x, who, "X");
    detail::check_all_finite(y, who, "y");
    data::labelled rows;
    rows.source = "regressor data";
    rows.input_names = data::detail::default_column_names(static_cast<std::size_t>(x.cols()));
    rows.target_name = "y";
    rows.x = x.template cast<double>();
    rows.y = y.col(0).template cast<double>();
    rows.rows.resize(static_cast<std::size_t>(x.rows()));
    for (std::size_t r = 0; r < rows.rows.size(); ++r) rows.rows[r] = r;
    return fit(data::make_dataset(rows, options_.split));
  }

  // Fits on a dataset (data::make_dataset, cornn::load): its train and validation splits, already scaled, and its
  // scalers; its test split, when it has one, is only scored (summary().test). Returns *this.
  basic_regressor& fit(const data::dataset& d);

  bool fitted() const { return fitted_.has_value(); }

  // Predictions in data units for X (rows x inputs, data units): the inputs scaled as in fit, the network's
  // outputs mapped back with the label scaler.
  template <class Derived>
  cpu::vector<double> predict(const Eigen::MatrixBase<Derived>& x) const {
    const fit_state& f = state("predict");
    const std::string who = "swatnn::regressor::predict";
    if (x.cols() != f.network.inputs)
      throw shape_error(who + ": X has " + std::to_string(x.cols()) + " columns; the network was fitted on " +
                        std::to_string(f.network.inputs) + " inputs (one column per input, one row per point)");
    detail::check_all_finite(x, who, "X");
    const cpu::matrix<float> scaled = f.input_scaler.template transform<float>(x);
    return f.label_scaler.inverse(f.network.predict(scaled)).col(0);
  }

  // The found network (scaled units: inputs and output in [-1, 1] on the training rows).
  const network_type& network() const { return state("network").network; }
  const data::minmax_scaler& input_scaler() const { return state("input_scaler").input_scaler; }
  const data::minmax_scaler& label_scaler() const { return state("label_scaler").label_scaler; }
  const std::vector<std::string>& input_names() const { return state("input_names").input_names; }
  const std::string& target_name() const { return state("target_name").target_name; }
  const regressor_summary& summary() const { return state("summary").summary; }

  // The network as a standalone C++17 header (export_cpp_header) with the fitted scalers embedded: its predict
  // takes and returns data units, like predict here (options' own scalers, when given, are used instead).
  void export_cpp(const std::filesystem::path& path, const cpp_export_options& options = {}) const;

  // The network with its scalers, column names and MSEs (scaled units) as JSON (save_json), written atomically.
  void save(const std::filesystem::path& path) const;

  // Reads a file written by save() (or any network JSON with input_scaling and label_scaling in its metadata);
  // the regressor then predicts with it. io_error / data_error for a bad file; the previous state is kept then.
  void load(const std::filesystem::path& path);

  // Checks options as the constructor does (value_error naming the field).
  static void validate(const regressor_options& o) {
    latent_search<AE>::validate(o.search);
    const regressor_penalties& p = o.penalties;
    for (const auto& [value, name] : {std::pair{p.l0, "l0"}, std::pair{p.l1, "l1"},
                                      std::pair{p.mask_separation, "mask_separation"},
                                      std::pair{p.neuron_count, "neuron_count"}})
      if (!std::isfinite(value) || value < 0)
        throw value_error(std::string("regressor_options.penalties.") + name + " = " + std::to_string(value) +
                          "; expected a finite weight >= 0");
    if (!(o.tuning.tolerance >= 0) || !std::isfinite(o.tuning.tolerance))
      throw value_error("regressor_options.tuning.tolerance must be finite and >= 0");
    detail::check_budget_options(o.tuning, spec::outputs);
    if (o.threads < 0)
      throw value_error("regressor_options.threads = " + std::to_string(o.threads) +
                        "; expected >= 0 (0: the calling thread's OpenMP setting)");
    if (!(o.split.validation_fraction > 0) || !(o.split.validation_fraction < 1))
      throw value_error("regressor_options.split.validation_fraction = " + std::to_string(o.split.validation_fraction) +
                        "; expected a value in (0, 1): the search picks its networks on the validation rows");
  }

 private:
  struct fit_state {
    network_type network;
    data::minmax_scaler input_scaler, label_scaler;
    std::vector<std::string> input_names;
    std::string target_name;
    regressor_summary summary;
  };

  const fit_state& state(const char* what) const {
    if (!fitted_)
      throw value_error(std::string("swatnn::regressor::") + what +
                        ": the regressor is not fitted; call fit(X, y), fit(dataset) or load(path) first");
    return *fitted_;
  }

  // An MSE in scaled label units times this is the MSE in data units (the label map is affine).
  static double label_factor(const data::minmax_scaler& labels) {
    const double half_range = (labels.upper(0) - labels.lower(0)) / 2;
    return half_range * half_range;
  }

  static regressor_mse score(const fit_state& f, const data::split& s) {
    const cpu::matrix<float> prediction = f.network.predict(s.x);
    const double scaled =
        static_cast<double>((prediction - s.y).template cast<double>().squaredNorm()) / static_cast<double>(s.y.size());
    return {.data = scaled * label_factor(f.label_scaler), .scaled = scaled};
  }

  static void describe(fit_state& f) {
    f.summary.depth = f.network.depth;
    f.summary.active_neurons = f.network.active_neurons();
    f.summary.nonzero_parameters = f.network.nonzero_parameters();
  }

  regressor_options options_;
  std::shared_ptr<const AE> model_;
  std::optional<fit_state> fitted_;
};

// The members that run the pipeline or read and write files are defined here, out of the class and so not
// inline: a translation unit that declares `extern template class swatnn::basic_regressor<>;` leaves them to the
// one that defines `template class swatnn::basic_regressor<>;` (see the top of this file).

template <class AE>
basic_regressor<AE>& basic_regressor<AE>::fit(const data::dataset& d) {
  if (d.inputs() < 1 || d.inputs() > static_cast<std::size_t>(inputs)) data::require_inputs<inputs>(d);  // its message
  if (d.train.empty() || d.validation.empty())
    throw value_error("swatnn::regressor::fit: " + d.name + " has " + std::to_string(d.train.size()) +
                      " training and " + std::to_string(d.validation.size()) +
                      " validation rows; both are needed (more rows, or another split_options.validation_fraction)");
  if (d.input_scaler.columns() != d.inputs() || d.label_scaler.columns() != 1)
    throw shape_error("swatnn::regressor::fit: " + d.name + "'s scalers have " +
                      std::to_string(d.input_scaler.columns()) + " input and " +
                      std::to_string(d.label_scaler.columns()) + " label columns; expected " +
                      std::to_string(d.inputs()) + " and 1");
  if (options_.fine_tune) {
    detail::check_fine_tune_options(options_.tuning.tune, d.train.size());
    detail::check_levenberg_marquardt_options(options_.tuning.lm);
  }
  const auto start = std::chrono::steady_clock::now();
  const detail::openmp_threads_scope threads(options_.threads);
  if (!model_) model_ = load_shared_autoencoder<AE>(options_.model_path.empty() ? shipped_model_path<AE>()
                                                                                : options_.model_path);
  // A working copy: the search writes the decoders' workspaces, the shared model stays read-only.
  auto ae = std::make_unique<AE>();
  const auto shared = model_->parameters().values();
  std::copy(shared.begin(), shared.end(), ae->parameters().values().begin());

  const regressor_penalties& p = options_.penalties;
  auto penalties = regularizers{smooth_l0{.weight = p.l0, .sharpness = 20}, l1{.weight = p.l1},
                                mask_separation{.weight = p.mask_separation}, neuron_count{.weight = p.neuron_count}};
  latent_search_options search_options = options_.search;
  search_options.select_after = std::min(search_options.select_after, search_options.iterations / 2);
  latent_search search(*ae, penalties, adam{}, search_options);
  const auto result = options_.progress ? search.run(d.train, d.validation, progress_bar{})
                                        : search.run(d.train, d.validation);
  network_type net = result.best().network;
  if (options_.fine_tune) net = fine_tune_candidates(result, d.train, d.validation, options_.tuning).best().tuned.net;

  fit_state f;
  f.network = std::move(net);
  f.input_scaler = d.input_scaler;
  f.label_scaler = d.label_scaler;
  f.input_names = d.input_names;
  f.target_name = d.target_name;
  f.summary.name = d.name;
  f.summary.train = score(f, d.train);
  f.summary.validation = score(f, d.validation);
  if (!d.test.empty()) f.summary.test = score(f, d.test);
  f.summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  describe(f);
  fitted_ = std::move(f);  // only a complete fit replaces the previous one
  return *this;
}

template <class AE>
void basic_regressor<AE>::export_cpp(const std::filesystem::path& path, const cpp_export_options& options) const {
  const auto& f = state("export_cpp");
  cpp_export_options with_scalers = options;
  if (!with_scalers.input_scaling) with_scalers.input_scaling = f.input_scaler;
  if (!with_scalers.label_scaling) with_scalers.label_scaling = f.label_scaler;
  export_cpp_header(f.network, path, with_scalers);
}

template <class AE>
void basic_regressor<AE>::save(const std::filesystem::path& path) const {
  const fit_state& f = state("save");
  network_metadata meta;  // member by member: the metadata grows
  meta.name = f.summary.name;
  if (f.summary.train) meta.train_mse = f.summary.train->scaled;
  if (f.summary.validation) meta.validation_mse = f.summary.validation->scaled;
  if (f.summary.test) meta.test_mse = f.summary.test->scaled;
  meta.input_scaling = f.input_scaler;
  meta.label_scaling = f.label_scaler;
  meta.input_names = f.input_names;
  meta.target_names = {f.target_name};
  save_json(f.network, path, meta);
}

template <class AE>
void basic_regressor<AE>::load(const std::filesystem::path& path) {
  auto model = load_json<spec, float>(path);
  const network_metadata& meta = model.metadata;
  if (!meta.input_scaling || !meta.label_scaling)
    throw data_error(path.string() + ": /metadata has no " +
                     std::string(!meta.input_scaling ? "input_scaling" : "label_scaling") +
                     "; a regressor needs both scalers to predict in data units (save it with regressor::save, or "
                     "pass them to save_json in network_metadata)");
  fit_state f;
  f.network = std::move(model.network);
  f.input_scaler = *meta.input_scaling;
  f.label_scaler = *meta.label_scaling;
  f.input_names = meta.input_names.empty()
                      ? data::detail::default_column_names(static_cast<std::size_t>(f.network.inputs))
                      : meta.input_names;
  f.target_name = meta.target_names.empty() ? std::string("y") : meta.target_names.front();
  f.summary.name = meta.name;
  const double factor = label_factor(f.label_scaler);
  auto both = [&](const std::optional<double>& scaled) -> std::optional<regressor_mse> {
    if (!scaled) return std::nullopt;
    return regressor_mse{.data = *scaled * factor, .scaled = *scaled};
  };
  f.summary.train = both(meta.train_mse);
  f.summary.validation = both(meta.validation_mse);
  f.summary.test = both(meta.test_mse);
  describe(f);
  fitted_ = std::move(f);
}

// The regressor on the shipped swat-small autoencoder.
using regressor = basic_regressor<>;
// The same on the universal model (models/swat_small_universal.swt): data of 1 to 7 input columns.
using universal_regressor = basic_regressor<swat_small_universal_autoencoder<>>;

}  // namespace swatnn
