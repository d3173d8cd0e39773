# fixest side of benchmarks/gravity_bench.py (one measured process).
# Usage: Rscript gravity_fixest.R PANEL.csv NTHREADS|default FITS
# Reads the panel with data.table::fread, resets the peak-memory counter (so that reading the file
# does not count), fits once (warm-up), then times FITS fits of
#   fepois(trade ~ lmig + rta | et + it + pair, vcov = ~pair, fixef.rm = "both")
# (standard errors included) and prints one line "RESULT {json}".
args <- commandArgs(trailingOnly = TRUE)
suppressMessages({
  library(data.table)
  library(fixest)
})
status_mb <- function(key) {
  s <- readLines("/proc/self/status")
  line <- grep(paste0("^", key, ":"), s, value = TRUE)
  as.numeric(strsplit(trimws(sub(paste0(key, ":"), "", line)), "\\s+")[[1]][1]) / 1024
}
df <- fread(args[1])
if (args[2] != "default") setFixest_nthreads(as.integer(args[2]))
fits <- as.integer(args[3])
invisible(gc())
rss_data <- status_mb("VmRSS")
try(cat("5", file = "/proc/self/clear_refs"), silent = TRUE)
f <- trade ~ lmig + rta | et + it + pair
fit <- function() {
  m <- fepois(f, df, vcov = ~pair, fixef.rm = "both", notes = FALSE)
  s <- se(m)
  m
}
t0 <- proc.time()[["elapsed"]]
m <- fit()
warm <- proc.time()[["elapsed"]] - t0
times <- numeric(0)
cpu <- numeric(0)
for (i in seq_len(fits)) {
  t0 <- proc.time()
  m <- fit()
  t1 <- proc.time()
  times <- c(times, t1[["elapsed"]] - t0[["elapsed"]])
  cpu <- c(cpu, (t1[["user.self"]] + t1[["sys.self"]]) - (t0[["user.self"]] + t0[["sys.self"]]))
}
num <- function(x) sprintf("%.17g", x)
named <- function(v) paste0("{", paste0('"', names(v), '": ', num(v), collapse = ", "), "}")
cat(sprintf(
  'RESULT {"times_s": [%s], "cpu_s": [%s], "warmup_s": %s, "coef": %s, "se": %s, "nobs": %d, "peak_rss_mb": %s, "rss_after_data_mb": %s, "threads": %d}\n',
  paste(num(times), collapse = ", "), paste(num(cpu), collapse = ", "), num(warm), named(coef(m)), named(se(m)), nobs(m),
  num(status_mb("VmHWM")), num(rss_data), getFixest_nthreads()
))
