# Golden files for labourlink.flows from the reference implementation, R package migest
# (G. Abel; 2.0.5 as in ../../../../shared/peers, trimmed of two unused imports).
#
#   python tests/flows/golden/export_inputs.py /tmp/flows-inputs   # real subsets from the store
#   Rscript tests/flows/golden/make_golden.R /tmp/flows-inputs      # writes tests/flows/golden/*.csv
#
# Every output is an origin x destination matrix of flows (persons), the sum over places of
# birth for ffs_demo, written as <case>__<variant>.csv with variants
#   sd_zero    ffs_diff(decrease = "zero")              -> labourlink sd_drop_neg
#   sd_return  ffs_diff(decrease = "return")            -> labourlink sd_rev_neg
#   rates      ffs_rates(stock_start, M, "dennett")     -> labourlink mig_rate with the same M
#   demo_min   ffs_demo(..., stayer_assumption = TRUE)  -> labourlink da_min_closed
#   demo_ind   ffs_demo(..., stayer_assumption = FALSE) -> the independence table of da_pb_closed
# The small systems are the worked examples of the migest documentation (from Abel 2013, Abel and
# Sander 2014, Abel 2018 and Abel and Cohen 2019); they are typed again in test_golden_migest.py.
suppressMessages(library(migest))
args <- commandArgs(trailingOnly = TRUE)
inputs <- if (length(args) >= 1) args[1] else NA
here <- tryCatch(dirname(normalizePath(sub("--file=", "", grep("--file=", commandArgs(FALSE), value = TRUE)))),
                 error = function(e) ".")
r4 <- LETTERS[1:4]
mk <- function(v) { m <- matrix(v, 4, 4, byrow = TRUE); dimnames(m) <- list(birth = r4, residence = r4); m }
vec <- function(v) { names(v) <- r4; v }
small <- list(
  abel2013 = list(s1 = mk(c(1000, 100, 10, 0, 55, 555, 50, 5, 80, 40, 800, 40, 20, 25, 20, 200)),
                  s2 = mk(c(950, 100, 60, 0, 80, 505, 75, 5, 90, 30, 800, 40, 40, 45, 0, 180)),
                  b = vec(c(0, 0, 0, 0)), d = vec(c(0, 0, 0, 0))),
  abel2018 = list(s1 = mk(c(100, 20, 10, 20, 10, 55, 40, 25, 10, 25, 140, 20, 0, 10, 65, 200)),
                  s2 = mk(c(70, 25, 10, 40, 30, 60, 55, 45, 10, 10, 140, 0, 10, 15, 50, 180)),
                  b = vec(c(0, 0, 0, 0)), d = vec(c(0, 0, 0, 0))),
  science2014 = list(s1 = t(mk(c(1000, 55, 80, 20, 100, 555, 40, 25, 10, 50, 800, 20, 0, 5, 40, 200))),
                     s2 = t(mk(c(1060, 45, 70, 30, 60, 540, 75, 30, 10, 40, 770, 20, 10, 0, 70, 230))),
                     b = vec(c(80, 20, 60, 60)), d = vec(c(70, 30, 50, 10))),
  imr2018_births = list(s1 = t(mk(c(100, 20, 10, 20, 10, 55, 40, 25, 10, 25, 140, 20, 0, 10, 65, 200))),
                        s2 = t(mk(c(75, 20, 30, 30, 25, 45, 40, 30, 5, 30, 150, 20, 0, 15, 60, 230))),
                        b = vec(c(10, 50, 25, 60)), d = vec(c(30, 10, 40, 10))),
  scidata2019 = list(s1 = t(mk(c(100, 80, 30, 60, 10, 180, 10, 70, 10, 10, 140, 10, 0, 90, 40, 160))),
                     s2 = t(mk(c(95, 75, 55, 35, 5, 225, 0, 25, 15, 5, 115, 25, 5, 55, 50, 215))),
                     b = vec(c(0, 0, 0, 0)), d = vec(c(0, 0, 0, 0))),
  diff_doc = list(s1 = mk(c(100, 10, 10, 0, 20, 55, 25, 10, 10, 40, 140, 65, 20, 25, 20, 200)),
                  s2 = mk(c(75, 25, 5, 15, 20, 45, 30, 15, 30, 40, 150, 35, 10, 50, 5, 200)),
                  b = vec(c(0, 0, 0, 0)), d = vec(c(0, 0, 0, 0)))
)
for (nm in names(small)) dimnames(small[[nm]]$s1) <- dimnames(small[[nm]]$s2) <- list(birth = r4, residence = r4)

read_case <- function(prefix) {
  s1 <- as.matrix(read.csv(paste0(prefix, "__stock_start.csv"), row.names = 1, check.names = FALSE))
  s2 <- as.matrix(read.csv(paste0(prefix, "__stock_end.csv"), row.names = 1, check.names = FALSE))
  v <- read.csv(paste0(prefix, "__vital.csv"), row.names = 1, check.names = FALSE)
  nm <- rownames(s1)
  dimnames(s1) <- dimnames(s2) <- list(birth = nm, residence = nm)
  b <- v$births; d <- v$deaths; names(b) <- names(d) <- nm
  list(s1 = s1, s2 = s2, b = b, d = d)
}
cases <- small
if (!is.na(inputs)) {
  for (f in list.files(inputs, pattern = "__stock_start\\.csv$")) {
    nm <- sub("__stock_start\\.csv$", "", f)
    cases[[nm]] <- read_case(file.path(inputs, nm))
  }
}
# global total for the rates method: sum of absolute net changes (migest docs) for the small
# systems, one million for the real subsets
M_of <- function(e, nm) if (nm %in% names(small)) sum(abs(colSums(e$s2) - colSums(e$s1))) else 1e6

out <- function(m, nm, variant) {
  n <- nrow(m)
  m <- m[seq_len(n), seq_len(n), drop = FALSE]
  write.csv(m, file.path(here, sprintf("%s__%s.csv", nm, variant)))
}
od <- function(f) { n <- dim(f)[1]; m <- apply(f, c(1, 2), sum); diag(m) <- 0; m }
totals <- data.frame()
for (nm in names(cases)) {
  e <- cases[[nm]]
  M <- M_of(e, nm)
  out(ffs_diff(e$s1, e$s2, decrease = "zero"), nm, "sd_zero")
  out(ffs_diff(e$s1, e$s2, decrease = "return"), nm, "sd_return")
  out(ffs_rates(stock_start = e$s1, M = M, method = "dennett"), nm, "rates")
  fm <- od(ffs_demo(stock_start = e$s1, stock_end = e$s2, births = e$b, deaths = e$d,
                    stayer_assumption = TRUE))
  fi <- od(ffs_demo(stock_start = e$s1, stock_end = e$s2, births = e$b, deaths = e$d,
                    stayer_assumption = FALSE))
  out(fm, nm, "demo_min")
  out(fi, nm, "demo_ind")
  totals <- rbind(totals, data.frame(case = nm, M = M, demo_min = sum(fm), demo_ind = sum(fi)))
}
write.csv(totals, file.path(here, "totals.csv"), row.names = FALSE)
writeLines(c(sprintf("migest %s", as.character(packageVersion("migest"))),
             sprintf("mipfp %s", as.character(packageVersion("mipfp"))),
             R.version.string), file.path(here, "VERSIONS.txt"))
cat("wrote golden files for", length(cases), "cases to", here, "\n")
