# Reference figures from R's survey package for baro.stats.Design.
#
# Uses R's own real data sets (survey's api and nhanes), writes the columns
# the tests use to tests/reference/<name>.csv and every reference figure to
# tests/reference/design_reference.json. Run once from the project root:
#
#     Rscript tests/reference/design_reference.R
#
# Designs (R's svydesign; baro's Design takes the same arguments):
#   apistrat   strata = stype, weights = pw, fpc = fpc (no clusters)
#   apiclus1   ids = dnum, weights = pw, fpc = fpc; also post-stratified on
#              stype and raked on stype and sch.wide (R's documented example)
#   apiclus2   ids = dnum (first stage only), weights = pw
#   nhanes     ids = SDMVPSU, strata = SDMVSTRA, weights = WTMEC2YR, nest
#   lonely_*   apistrat with one school of type H: a stratum with one PSU,
#              under survey.lonely.psu = "remove", "adjust", "average"
#   clusters_poststratified  apiclus2's districts post-stratified by a
#              district-level band, compared through svyratio

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
data(api)
data(nhanes)

out_dir <- "tests/reference"

band <- function(x) cut(x, c(-1, 25, 50, 75, 100),
                        labels = c("0-25", "25-50", "50-75", "75-100"))
api_cols <- c("cds", "stype", "dnum", "snum", "pw", "fpc", "sch.wide",
              "comp.imp", "awards", "yr.rnd", "meals_band")
prep_api <- function(d) {
  d$meals_band <- band(d$meals)
  d
}
apistrat <- prep_api(apistrat)
apiclus1 <- prep_api(apiclus1)
apiclus2 <- prep_api(apiclus2)
apiclus2$fpc <- apiclus2$fpc1

write_csv <- function(d, name, cols) {
  write.csv(d[, cols], file.path(out_dir, paste0(name, ".csv")),
            row.names = FALSE, na = "")
}
write_csv(apistrat, "apistrat", api_cols)
write_csv(apiclus1, "apiclus1", api_cols)
write_csv(apiclus2, "apiclus2", api_cols)
nh_cols <- c("SDMVPSU", "SDMVSTRA", "WTMEC2YR", "HI_CHOL", "race", "agecat",
             "RIAGENDR")
write_csv(nhanes, "nhanes", nh_cols)

lonely <- apistrat[apistrat$stype != "H" | apistrat$snum == min(apistrat$snum[apistrat$stype == "H"]), ]

pop_types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop_schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))

dclus1 <- svydesign(ids = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
designs <- list(
  apistrat = svydesign(ids = ~1, strata = ~stype, weights = ~pw, fpc = ~fpc,
                       data = apistrat),
  apiclus1 = dclus1,
  apiclus1_poststratified = postStratify(dclus1, ~stype, pop_types),
  apiclus1_raked = rake(dclus1, list(~stype, ~sch.wide),
                        list(pop_types, pop_schwide)),
  apiclus2 = svydesign(ids = ~dnum, weights = ~pw, data = apiclus2),
  nhanes = svydesign(ids = ~SDMVPSU, strata = ~SDMVSTRA, weights = ~WTMEC2YR,
                     nest = TRUE, data = nhanes),
  lonely_remove = svydesign(ids = ~1, strata = ~stype, weights = ~pw,
                            fpc = ~fpc, data = lonely),
  lonely_adjust = svydesign(ids = ~1, strata = ~stype, weights = ~pw,
                            fpc = ~fpc, data = lonely),
  lonely_average = svydesign(ids = ~1, strata = ~stype, weights = ~pw,
                             fpc = ~fpc, data = lonely)
)
api_vars <- c("sch.wide", "awards", "meals_band", "stype")
api_pairs <- list(c("meals_band", "sch.wide"), c("stype", "awards"),
                  c("meals_band", "yr.rnd"))
variables <- list(
  apistrat = api_vars, apiclus1 = api_vars,
  apiclus1_poststratified = api_vars, apiclus1_raked = api_vars,
  apiclus2 = api_vars,
  nhanes = c("HI_CHOL", "race", "agecat", "RIAGENDR"),
  lonely_remove = c("sch.wide", "meals_band"),
  lonely_adjust = c("sch.wide", "meals_band"),
  lonely_average = c("sch.wide", "meals_band")
)
pairs <- list(
  apistrat = api_pairs, apiclus1 = api_pairs,
  apiclus1_poststratified = api_pairs, apiclus1_raked = api_pairs,
  apiclus2 = api_pairs,
  nhanes = list(c("race", "HI_CHOL"), c("agecat", "race"),
                c("agecat", "RIAGENDR")),
  lonely_remove = list(c("meals_band", "sch.wide")),
  lonely_adjust = list(c("meals_band", "sch.wide")),
  lonely_average = list(c("meals_band", "sch.wide"))
)

strip <- function(x, prefix) sub(paste0("^", prefix), "", x)

figures <- function(des, vars, prs) {
  res <- list(degf = degf(des), weights_sum = sum(weights(des)),
              n = nrow(des))
  for (var in vars) {
    des$variables[[var]] <- factor(des$variables[[var]])
    f <- as.formula(paste0("~", var))
    m <- svymean(f, des, deff = "replace", na.rm = TRUE)
    tt <- svytotal(f, des, na.rm = TRUE)
    lv <- strip(names(coef(m)), var)
    ci <- function(method, level) t(sapply(lv, function(l) {
      fm <- as.formula(paste0("~I(", var, " == '", l, "')"))
      as.numeric(attr(svyciprop(fm, des, method = method, level = level,
                                na.rm = TRUE), "ci"))
    }))
    logit <- ci("logit", 0.95)
    beta <- ci("beta", 0.95)
    beta90 <- ci("beta", 0.9)
    k <- length(lv)
    # every pair, then the first level against the mean of the others
    pr <- combn(k, 2)
    con <- lapply(seq_len(ncol(pr)), function(j) {
      w <- rep(0, k); w[pr[1, j]] <- 1; w[pr[2, j]] <- -1; w
    })
    con[[length(con) + 1]] <- c(1, rep(-1 / (k - 1), k - 1))
    sc <- svycontrast(m, con)
    gof <- svygofchisq(f, p = rep(1, k), des, na.rm = TRUE)
    gof2 <- svygofchisq(f, p = seq_len(k), des, na.rm = TRUE)
    res[[var]] <- list(
      level = lv, mean = unname(coef(m)), se = unname(SE(m)),
      vcov = unname(as.vector(vcov(m))),
      deff_replace = unname(deff(m)),
      total = unname(coef(tt)), total_se = unname(SE(tt)),
      total_vcov = unname(as.vector(vcov(tt))),
      logit_low = unname(logit[, 1]), logit_high = unname(logit[, 2]),
      beta_low = unname(beta[, 1]), beta_high = unname(beta[, 2]),
      beta90_low = unname(beta90[, 1]), beta90_high = unname(beta90[, 2]),
      contrast = list(weights = lapply(con, identity),
                      estimate = unname(coef(sc)), se = unname(SE(sc)),
                      vcov = unname(as.vector(vcov(sc)))),
      gof_equal = list(statistic = unname(gof$statistic),
                       scale = unname(gof$parameter["scale"]),
                       df = unname(gof$parameter["df"]), pvalue = gof$p.value),
      gof_unequal = list(p = seq_len(k), statistic = unname(gof2$statistic),
                         scale = unname(gof2$parameter["scale"]),
                         df = unname(gof2$parameter["df"]),
                         pvalue = gof2$p.value)
    )
  }
  for (pair in prs) {
    for (v in pair) des$variables[[v]] <- factor(des$variables[[v]])
    f <- as.formula(paste0("~", pair[1], "+", pair[2]))
    sf <- svychisq(f, des, statistic = "F")
    sc <- svychisq(f, des, statistic = "Chisq")
    res[[paste(pair, collapse = "_x_")]] <- list(
      row = pair[1], col = pair[2],
      f = unname(sf$statistic), ndf = unname(sf$parameter["ndf"]),
      ddf = unname(sf$parameter["ddf"]), f_pvalue = unname(sf$p.value),
      chisq = unname(sc$statistic), chisq_df = unname(sc$parameter["df"]),
      chisq_pvalue = unname(sc$p.value)
    )
  }
  res
}

lonely_option <- c(lonely_remove = "remove", lonely_adjust = "adjust",
                   lonely_average = "average")
results <- list()
for (name in names(designs)) {
  op <- if (name %in% names(lonely_option)) lonely_option[[name]] else "fail"
  old <- options(survey.lonely.psu = op)
  results[[name]] <- suppressWarnings(figures(designs[[name]], variables[[name]],
                                              pairs[[name]]))
  options(old)
}

# sparse tables of apiclus2 (rows subset, then svydesign as above): two
# meals bands without any school of type H or M make the Rao-Scott matrix
# singular, and R refuses; one empty cell (H, 75-100) leaves it regular
dclus2 <- designs$apiclus2
singular <- subset(dclus2, stype == "E" | meals_band %in% c("0-25", "25-50"))
singular$variables$meals_band <- factor(singular$variables$meals_band)
message <- tryCatch({
  svychisq(~meals_band + stype, singular)
  "no error"
}, error = function(e) conditionMessage(e))
one_empty <- subset(dclus2, !(stype == "H" & meals_band == "75-100"))
oe <- svychisq(~meals_band + stype, one_empty)
results$sparse <- list(
  singular = list(keep = "stype == 'E' or meals_band in ('0-25', '25-50')",
                  message = message),
  one_empty = list(drop = "stype == 'H' and meals_band == '75-100'",
                   f = unname(oe$statistic), ndf = unname(oe$parameter["ndf"]),
                   ddf = unname(oe$parameter["ddf"]), f_pvalue = unname(oe$p.value))
)

# clusters post-stratified by a cluster-level variable, their weights carried
# to their rows (baro's post_stratify(count = "clusters")): R's postStratify
# on the design of the clusters (apiclus2's districts, the band of a district
# from its number, population: apipop's districts per band), then the share
# of a level among the rows is the ratio of two district totals (svyratio)
district_band <- function(dnum) ifelse(dnum < 400, "low", "high")
apiclus2$dband <- district_band(apiclus2$dnum)
districts <- do.call(rbind, lapply(split(apiclus2, apiclus2$dnum), function(g) {
  data.frame(dnum = g$dnum[1], pw = g$pw[1], dband = g$dband[1], schools = nrow(g),
             E = sum(g$stype == "E"), H = sum(g$stype == "H"), M = sum(g$stype == "M"))
}))
pop_dband <- as.data.frame(table(dband = district_band(unique(apipop$dnum))))
ddes <- postStratify(svydesign(ids = ~dnum, weights = ~pw, data = districts), ~dband,
                     pop_dband)
rat <- svyratio(~E + H + M, ~schools, ddes)
results$clusters_poststratified <- list(
  band = "dband = 'low' if dnum < 400 else 'high'",
  population = setNames(as.list(pop_dband$Freq), as.character(pop_dband$dband)),
  level = c("E", "H", "M"), mean = unname(coef(rat)), se = unname(SE(rat)),
  weights_sum = sum(weights(ddes))
)

results$meta <- list(
  r_version = R.version.string,
  survey_version = as.character(packageVersion("survey")),
  raking = "rake(..., control = list(maxit = 10, epsilon = 1)) (R's defaults)"
)
writeLines(toJSON(results, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           file.path(out_dir, "design_reference.json"))
