# metafor side of the benchmark: rma() in a loop over K analyses, in one R process.
# Usage: Rscript metafor_loop.R data.csv out_prefix
# data.csv: analysis,yi,vi (10 rows per analysis). Writes out_prefix_{DL,REML,REMLtight}.csv
# and out_prefix_times.csv (seconds per loop). A fit that errors (e.g. "Fisher scoring
# algorithm did not converge") is counted as failed and written as NA.
suppressPackageStartupMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
prefix <- args[2]
idx <- split(seq_len(nrow(d)), d$analysis)
yis <- lapply(idx, function(i) d$yi[i])
vis <- lapply(idx, function(i) d$vi[i])
K <- length(idx)

fit_all <- function(method, control) {
  out <- matrix(NA_real_, nrow = K, ncol = 11)
  for (j in seq_len(K)) {
    res <- tryCatch(rma(yis[[j]], vis[[j]], method = method, control = control),
                    error = function(e) NULL)
    if (!is.null(res)) {
      p <- predict(res)  # full output: the prediction interval too
      out[j, ] <- c(res$beta, res$se, res$ci.lb, res$ci.ub, res$tau2, res$I2, res$H2,
                    res$QE, res$QEp, p$pi.lb, p$pi.ub)
    }
  }
  colnames(out) <- c("estimate", "se", "ci_lb", "ci_ub", "tau2", "I2", "H2", "QE", "QEp",
                     "pi_lb", "pi_ub")
  out
}

times <- c()
runs <- list(DL = list("DL", list()), REML = list("REML", list()),
             REMLtight = list("REML", list(threshold = 1e-10, maxiter = 1000)))
for (name in names(runs)) {
  t0 <- proc.time()[["elapsed"]]
  out <- fit_all(runs[[name]][[1]], runs[[name]][[2]])
  times[name] <- proc.time()[["elapsed"]] - t0
  write.csv(out, sprintf("%s_%s.csv", prefix, name), row.names = FALSE)
}
write.csv(data.frame(run = names(times), seconds = unname(times),
                     metafor = as.character(packageVersion("metafor"))),
          sprintf("%s_times.csv", prefix), row.names = FALSE)
