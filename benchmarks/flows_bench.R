# migest timings for benchmarks/flows_bench.py: one line per (period, method) on stdout,
# "period<TAB>method<TAB>seconds<TAB>total", on the full stock tables written by the Python side.
#   Rscript benchmarks/flows_bench.R INPUT_DIR
suppressMessages(library(migest))
dir <- commandArgs(trailingOnly = TRUE)[1]
for (f in sort(list.files(dir, pattern = "__stock_start\\.csv$"))) {
  p <- sub("__stock_start\\.csv$", "", f)
  s1 <- as.matrix(read.csv(file.path(dir, f), row.names = 1, check.names = FALSE))
  s2 <- as.matrix(read.csv(file.path(dir, paste0(p, "__stock_end.csv")), row.names = 1,
                           check.names = FALSE))
  v <- read.csv(file.path(dir, paste0(p, "__vital.csv")), row.names = 1, check.names = FALSE)
  nm <- rownames(s1)
  dimnames(s1) <- dimnames(s2) <- list(birth = nm, residence = nm)
  b <- v$births; d <- v$deaths; names(b) <- names(d) <- nm
  M <- v$M[1]
  run <- function(method, expr) {
    t0 <- proc.time()[["elapsed"]]
    res <- tryCatch(force(expr), error = function(e) { message(method, " ", p, ": ", conditionMessage(e)); NULL })
    el <- proc.time()[["elapsed"]] - t0
    if (is.null(res)) { cat(sprintf("%s\t%s\tNA\tNA\n", p, method)); return(invisible()) }
    if (length(dim(res)) == 3) { m <- apply(res, c(1, 2), sum); diag(m) <- 0 } else m <- res
    keep <- rownames(m) != "XXX"  # labourlink leaves the 'Other' origin out of its outputs
    tot <- if (method == "mig_rate") sum(m) else sum(m[keep, keep])
    cat(sprintf("%s\t%s\t%.4f\t%.1f\n", p, method, el, tot))
    flush.console()
  }
  run("sd_drop_neg", ffs_diff(s1, s2, decrease = "zero"))
  run("sd_rev_neg", ffs_diff(s1, s2, decrease = "return"))
  run("mig_rate", ffs_rates(stock_start = s1, M = M, method = "dennett"))
  run("da_min_closed", ffs_demo(stock_start = s1, stock_end = s2, births = b, deaths = d))
  run("independence", ffs_demo(stock_start = s1, stock_end = s2, births = b, deaths = d,
                               stayer_assumption = FALSE))
}
