# Design effects of svytotal, the reference of baro.stats.totals' design_effect.
#
# Reads the CSVs that design_reference.R exported from survey's api and
# nhanes data (the data the Python tests read), builds the same designs and
# writes deff(svytotal(..., deff = "replace")) of every level to
# tests/reference/totals_deff.json. Run once from the project root:
#
#     Rscript tests/reference/totals_deff.R

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})
ref <- "tests/reference"
load <- function(name) read.csv(file.path(ref, paste0(name, ".csv")), na.strings = "")
apistrat <- load("apistrat")
apiclus1 <- load("apiclus1")
apiclus2 <- load("apiclus2")
nhanes <- load("nhanes")
lonely <- apistrat[apistrat$stype != "H" | apistrat$snum == min(apistrat$snum[apistrat$stype == "H"]), ]

pop_types <- data.frame(stype = c("E", "H", "M"), Freq = c(4421, 755, 1018))
pop_schwide <- data.frame(sch.wide = c("No", "Yes"), Freq = c(1072, 5122))
dclus1 <- svydesign(ids = ~dnum, weights = ~pw, data = apiclus1, fpc = ~fpc)
lonely_design <- function() svydesign(ids = ~1, strata = ~stype, weights = ~pw,
                                      fpc = ~fpc, data = lonely)
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
  lonely_remove = lonely_design(),
  lonely_adjust = lonely_design(),
  lonely_average = lonely_design()
)
api_vars <- c("sch.wide", "awards", "meals_band", "stype")
variables <- list(
  apistrat = api_vars, apiclus1 = api_vars,
  apiclus1_poststratified = api_vars, apiclus1_raked = api_vars,
  apiclus2 = api_vars,
  nhanes = c("HI_CHOL", "race", "agecat", "RIAGENDR"),
  lonely_remove = c("sch.wide", "meals_band"),
  lonely_adjust = c("sch.wide", "meals_band"),
  lonely_average = c("sch.wide", "meals_band")
)
lonely_option <- c(lonely_remove = "remove", lonely_adjust = "adjust",
                   lonely_average = "average")

results <- list()
for (name in names(designs)) {
  op <- if (name %in% names(lonely_option)) lonely_option[[name]] else "fail"
  old <- options(survey.lonely.psu = op)
  des <- designs[[name]]
  res <- list()
  for (var in variables[[name]]) {
    des$variables[[var]] <- factor(des$variables[[var]])
    tt <- suppressWarnings(svytotal(as.formula(paste0("~", var)), des,
                                    deff = "replace", na.rm = TRUE))
    res[[var]] <- list(level = sub(paste0("^", var), "", names(coef(tt))),
                       total = unname(coef(tt)),
                       deff_replace = unname(deff(tt)))
  }
  results[[name]] <- res
  options(old)
}
results$meta <- list(
  r_version = R.version.string,
  survey_version = as.character(packageVersion("survey"))
)
writeLines(toJSON(results, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           file.path(ref, "totals_deff.json"))
