# Reference values for keuzewijs' evidence engine, computed with metafor.
#
# Usage: Rscript scripts/metafor/reference.R OUT.json
# Writes every dataset, the exact metafor call of each case, and its results (full
# precision) together with the R and metafor versions. tests/evidence compares
# keuzewijs against the committed copy (tests/evidence/fixtures/metafor_reference.json);
# scripts/metafor/check_fixture.py regenerates it and fails when it no longer matches.
suppressPackageStartupMessages({
  library(metafor)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
out <- if (length(args) >= 1) args[1] else "tests/evidence/fixtures/metafor_reference.json"

# Convergence far tighter than metafor's defaults (REML threshold 1e-5, PM uniroot tol
# ~1.2e-4) so the reference is precise to ~1e-10 and tolerances test keuzewijs, not metafor.
CONTROL <- "list(threshold = 1e-12, tol = 1e-12, maxiter = 1000)"

tab <- function(study, ai, n1i, ci, n2i, group = NULL) {
  d <- data.frame(study = as.character(study), ai = ai, n1i = n1i, ci = ci, n2i = n2i,
                  stringsAsFactors = FALSE)
  if (!is.null(group)) d$group <- as.character(group)
  d
}

bcg <- dat.bcg
datasets <- list(
  bcg = tab(paste(bcg$author, bcg$year), bcg$tpos, bcg$tpos + bcg$tneg,
            bcg$cpos, bcg$cpos + bcg$cneg, group = bcg$alloc),
  egger2001 = with(dat.egger2001, tab(paste(study, year), ai, n1i, ci, n2i)),
  nielweise2007 = with(dat.nielweise2007, tab(paste(author, year), ai, n1i, ci, n2i)),
  # Edge cases.
  single = tab("A", 12, 100, 20, 100),
  zero_one_arm = tab(c("A", "B", "C"), c(0, 5, 8), c(50, 60, 70), c(4, 9, 12), c(50, 60, 70)),
  double_zero = tab(c("A", "B", "C", "D", "E"), c(0, 3, 6, 0, 40), c(40, 80, 90, 30, 40),
                    c(0, 7, 9, 2, 40), c(40, 80, 90, 35, 40)),
  identical = tab(c("A", "B", "C", "D"), rep(10, 4), rep(100, 4), rep(20, 4), rep(100, 4)),
  boundary = tab(c("A", "B", "C", "D"), c(10, 11, 9, 12), rep(100, 4), c(12, 13, 12, 13),
                 rep(100, 4))
)

num <- function(x) if (is.null(x) || length(x) == 0) NA_real_ else as.numeric(x)

summ <- function(res, kind) {
  r <- list(k = res$k, estimate = num(res$beta), se = num(res$se), ci_lb = num(res$ci.lb),
            ci_ub = num(res$ci.ub), zval = num(res$zval), pval = num(res$pval),
            tau2 = num(res$tau2), QE = num(res$QE), QEp = num(res$QEp),
            I2 = num(res$I2), H2 = num(res$H2), weights = unname(weights(res)))
  if (kind == "rma") {
    p <- predict(res)
    r$pi_lb_metafor <- num(p$pi.lb)
    r$pi_ub_metafor <- num(p$pi.ub)
    # keuzewijs' prediction interval (Higgins 2009): t(k-2) on metafor's own se and tau2.
    if (res$k >= 3 && res$method != "FE") {
      half <- qt(0.975, df = res$k - 2) * sqrt(res$se^2 + res$tau2)
      r$pi_lb <- num(res$beta) - half
      r$pi_ub <- num(res$beta) + half
    }
  }
  r
}

l1o <- function(res) {
  x <- leave1out(res)
  list(estimate = num(x$estimate), se = num(x$se), ci_lb = num(x$ci.lb), ci_ub = num(x$ci.ub),
       tau2 = num(x$tau2), QE = num(x$Q), QEp = num(x$Qp), I2 = num(x$I2), H2 = num(x$H2))
}

make_call <- function(measure, method, hksj, subset = NULL) {
  drop00 <- if (measure == "RD") "FALSE" else "TRUE"
  sub <- if (is.null(subset)) "" else sprintf(", subset = group == \"%s\"", subset)
  if (method == "MH") {
    sprintf("rma.mh(ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = d, measure = \"%s\", drop00 = %s%s)",
            measure, drop00, sub)
  } else {
    sprintf(paste0("rma(ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = d, measure = \"%s\", ",
                   "method = \"%s\", test = \"%s\", drop00 = %s, control = %s%s)"),
            measure, method, if (hksj) "knha" else "z", drop00, CONTROL, sub)
  }
}

run <- function(call, d) eval(parse(text = call), envir = list(d = d), enclos = globalenv())

cases <- list()
escalcs <- list()
for (name in names(datasets)) {
  d <- datasets[[name]]
  for (measure in c("RR", "OR", "RD")) {
    drop00 <- measure != "RD"
    es <- escalc(measure = measure, ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = d,
                 drop00 = drop00)
    escalcs[[length(escalcs) + 1]] <- list(
      dataset = name, measure = measure,
      call = sprintf("escalc(measure = \"%s\", ai = ai, n1i = n1i, ci = ci, n2i = n2i, data = d, drop00 = %s)",
                     measure, if (drop00) "TRUE" else "FALSE"),
      yi = num(es$yi), vi = num(es$vi))
    for (method in c("FE", "MH", "DL", "REML", "PM")) {
      for (hksj in if (method %in% c("FE", "MH")) FALSE else c(FALSE, TRUE)) {
        call <- make_call(measure, method, hksj)
        res <- tryCatch(suppressWarnings(run(call, d)), error = function(e) e)
        case <- list(dataset = name, measure = measure, method = method, hksj = hksj, call = call)
        if (inherits(res, "error")) {
          case$error <- conditionMessage(res)
        } else {
          case$result <- summ(res, if (method == "MH") "mh" else "rma")
          if (res$k >= 3 && name %in% c("bcg", "egger2001", "double_zero")) {
            case$leave1out <- l1o(res)
          }
        }
        cases[[length(cases) + 1]] <- case
      }
    }
  }
}

# Subgroups: separate models per subgroup, then the test for subgroup differences as a
# fixed-effect model on the subgroup estimates (Cochran's Q between subgroups).
subgroups <- list()
d <- datasets$bcg
for (measure in c("RR", "OR")) {
  for (method in c("DL", "REML", "MH")) {
    groups <- unique(d$group)
    calls <- lapply(groups, function(g) make_call(measure, method, FALSE, subset = g))
    fits <- lapply(calls, run, d = d)
    est <- sapply(fits, function(f) num(f$beta))
    se <- sapply(fits, function(f) num(f$se))
    between <- rma(yi = est, sei = se, method = "FE")
    subgroups[[length(subgroups) + 1]] <- list(
      dataset = "bcg", by = "group", measure = measure, method = method, groups = groups,
      calls = unlist(calls), between_call = "rma(yi = est, sei = se, method = \"FE\")",
      results = lapply(seq_along(fits), function(i)
        summ(fits[[i]], if (method == "MH") "mh" else "rma")),
      Q_between = num(between$QE), df = length(groups) - 1, p_between = num(between$QEp))
  }
}

doc <- list(
  generated_by = list(
    script = "scripts/metafor/reference.R",
    R = R.version.string,
    metafor = as.character(packageVersion("metafor")),
    jsonlite = as.character(packageVersion("jsonlite")),
    notes = paste("I2 in percent (metafor); pi_lb/pi_ub are t(k-2) intervals computed from",
                  "metafor's estimate, se and tau2; pi_*_metafor are predict()'s intervals.")
  ),
  datasets = datasets,
  escalc = escalcs,
  cases = cases,
  subgroups = subgroups
)
writeLines(toJSON(doc, auto_unbox = TRUE, digits = I(15), na = "null", pretty = TRUE,
                  dataframe = "columns"), out)
