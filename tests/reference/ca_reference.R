# Reference figures of correspondence analysis, from FactoMineR's CA.
#
# Reads the count tables tests/reference/ca_<name>.csv (rows: first
# column "level"; columns: the other levels) and writes, for each, the
# eigenvalues, row and column coordinates, contributions and cos2 of
# CA(table, graph = FALSE) to tests/reference/ca_reference.json.
# Run once from the project root:
#
#     Rscript tests/reference/ca_reference.R

suppressPackageStartupMessages({
  library(FactoMineR)
  library(jsonlite)
})

out_dir <- "tests/reference"
names <- c("ca_domain_management", "ca_domain_band", "ca_example")

part <- function(p, ncp) {
  list(
    levels = rownames(p$coord),
    coord = unname(p$coord[, seq_len(ncp), drop = FALSE]),
    contrib = unname(p$contrib[, seq_len(ncp), drop = FALSE]),
    cos2 = unname(p$cos2[, seq_len(ncp), drop = FALSE])
  )
}

result <- list(
  factominer_version = as.character(packageVersion("FactoMineR")),
  r_version = R.version.string
)
for (name in names) {
  t <- read.csv(file.path(out_dir, paste0(name, ".csv")), comment.char = "#",
                row.names = 1, check.names = FALSE)
  ncp <- min(dim(t)) - 1
  res <- CA(t, ncp = ncp, graph = FALSE)
  result[[name]] <- list(
    eigenvalue = unname(res$eig[, 1]),
    percentage = unname(res$eig[, 2]),
    total_inertia = sum(res$eig[, 1]),
    chisq = unname(suppressWarnings(chisq.test(as.matrix(t), correct = FALSE))$statistic),
    row = part(res$row, ncp),
    col = part(res$col, ncp)
  )
}
writeLines(toJSON(result, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           file.path(out_dir, "ca_reference.json"))
