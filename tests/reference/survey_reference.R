# Reference figures from R's survey package for baro.stats.
#
# Builds four data sets of projects nested in cities, writes each to
# tests/reference/<name>.csv and every reference figure to
# tests/reference/survey_reference.json. Run once from the project root:
#
#     Rscript tests/reference/survey_reference.R
#
# The design is always svydesign(ids = ~city_id, data = d): one-stage
# cluster sample, clusters with replacement, equal weights.

suppressPackageStartupMessages({
  library(survey)
  library(jsonlite)
})

out_dir <- "tests/reference"

domains11 <- c("transport", "education", "e_citoyennete", "e_gouvernement",
               "loisirs_culture", "sante_social", "securite", "environnement",
               "batiment_urbanisme", "developpement_economique", "energie")

make_data <- function(n_clusters, size_range, domains, weights, seed,
                      rare = NULL) {
  set.seed(seed)
  rows <- list()
  for (g in seq_len(n_clusters)) {
    m <- sample(size_range[1]:size_range[2], 1)
    pref <- rgamma(length(domains), shape = weights * 4)
    pref <- pref / sum(pref)
    dom <- sample(domains, m, replace = TRUE, prob = pref)
    cit_rate <- rbeta(1, 2, 3)
    cit <- runif(m) < cit_rate
    dm <- ifelse(cit,
                 sample(c("unilaterale", "concertation", "co_construction"), m,
                        replace = TRUE, prob = c(0.25, 0.5, 0.25)),
                 sample(c("unilaterale", "concertation", "co_construction"), m,
                        replace = TRUE, prob = c(0.6, 0.3, 0.1)))
    rows[[g]] <- data.frame(city_id = sprintf("V%03d", g), domain = dom,
                            citizens_involved = ifelse(cit, "yes", "no"),
                            decision_mode = dm, stringsAsFactors = FALSE)
  }
  d <- do.call(rbind, rows)
  if (!is.null(rare)) {
    # exactly `rare$n` projects of level `rare$level`, in distinct clusters
    d$domain[d$domain == rare$level] <- domains[1]
    idx <- sapply(sample(unique(d$city_id), rare$n), function(g) which(d$city_id == g)[1])
    d$domain[idx] <- rare$level
  }
  d$project_id <- sprintf("P%05d", seq_len(nrow(d)))
  d[, c("project_id", "city_id", "domain", "citizens_involved", "decision_mode")]
}

datasets <- list(
  few_clusters = make_data(8, c(8, 25), domains11[1:5], c(5, 4, 3, 2, 1), 101),
  many_clusters = make_data(200, c(2, 14), domains11,
                            c(18, 16, 12, 11, 10, 9, 8, 7, 5, 3, 1), 202),
  rare_level = make_data(30, c(5, 20), domains11[1:7], c(6, 5, 4, 3, 2, 2, 1), 303,
                         rare = list(level = "securite", n = 3)),
  example = read.csv("baro/data/example_projects.csv", stringsAsFactors = FALSE)
)
datasets$example$citizens_involved <- ifelse(datasets$example$citizens_involved == "True",
                                             "yes", "no")
# missing values: every project of city V01 (rows 1-8) and two more lack a
# domain, two lack a decision mode; V01 stays in the design (na.rm = TRUE)
datasets$with_missing <- datasets$example
datasets$with_missing$domain[c(1:8, 20, 40)] <- NA
datasets$with_missing$decision_mode[c(50, 60)] <- NA

strip <- function(x, prefix) sub(paste0("^", prefix), "", x)

results <- list()
for (name in names(datasets)) {
  d <- datasets[[name]]
  if (name != "example") {
    write.csv(d, file.path(out_dir, paste0(name, ".csv")), row.names = FALSE,
              quote = FALSE)
  }
  d$domain <- factor(d$domain)
  d$citizens_involved <- factor(d$citizens_involved)
  d$decision_mode <- factor(d$decision_mode)
  des <- suppressWarnings(svydesign(ids = ~city_id, data = d))
  res <- list(n = nrow(d), n_clusters = length(unique(d$city_id)),
              degf = degf(des))

  for (var in c("domain", "decision_mode", "citizens_involved")) {
    f <- as.formula(paste0("~", var))
    m <- svymean(f, des, deff = "replace", na.rm = TRUE)
    lv <- strip(names(coef(m)), var)
    ci <- t(sapply(levels(d[[var]]), function(l) {
      fm <- as.formula(paste0("~I(", var, " == '", l, "')"))
      as.numeric(attr(svyciprop(fm, des, method = "logit", na.rm = TRUE), "ci"))
    }))
    ci90 <- t(sapply(levels(d[[var]]), function(l) {
      fm <- as.formula(paste0("~I(", var, " == '", l, "')"))
      as.numeric(attr(svyciprop(fm, des, method = "logit", level = 0.9,
                                  na.rm = TRUE), "ci"))
    }))
    k <- length(lv)
    pairs <- combn(k, 2)
    con <- lapply(seq_len(ncol(pairs)), function(j) {
      w <- rep(0, k); w[pairs[1, j]] <- 1; w[pairs[2, j]] <- -1; w
    })
    names(con) <- paste(lv[pairs[1, ]], lv[pairs[2, ]], sep = "|")
    sc <- svycontrast(m, con)
    gof <- svygofchisq(f, p = rep(1, k), des, na.rm = TRUE)
    p_uneq <- seq_len(k)
    gof2 <- svygofchisq(f, p = p_uneq, des, na.rm = TRUE)
    res[[var]] <- list(
      level = lv, mean = unname(coef(m)), se = unname(SE(m)),
      deff_replace = unname(deff(m)),
      ci_low = unname(ci[, 1]), ci_high = unname(ci[, 2]),
      ci90_low = unname(ci90[, 1]), ci90_high = unname(ci90[, 2]),
      contrast = list(level_a = lv[pairs[1, ]], level_b = lv[pairs[2, ]],
                      difference = unname(coef(sc)), se = unname(SE(sc))),
      gof_equal = list(statistic = unname(gof$statistic),
                       scale = unname(gof$parameter["scale"]),
                       df = unname(gof$parameter["df"]),
                       pvalue = gof$p.value),
      gof_unequal = list(p = p_uneq, statistic = unname(gof2$statistic),
                         scale = unname(gof2$parameter["scale"]),
                         df = unname(gof2$parameter["df"]),
                         pvalue = gof2$p.value)
    )
  }

  for (pair in list(c("domain", "citizens_involved"),
                    c("domain", "decision_mode"),
                    c("decision_mode", "citizens_involved"))) {
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

  # unclustered adjusted (standardised) residuals, chisq.test()$stdres
  tab <- table(d$decision_mode, d$citizens_involved)  # table() drops NA
  sr <- chisq.test(tab, correct = FALSE)$stdres
  res$stdres_decision_mode_x_citizens_involved <- list(
    row_level = rep(rownames(sr), times = ncol(sr)),
    col_level = rep(colnames(sr), each = nrow(sr)),
    stdres = as.vector(sr))

  # t test of a share against a null value (svyttest on the indicator)
  tt <- svyttest(I((decision_mode == "unilaterale") - 0.5) ~ 0, des, na.rm = TRUE)
  res$ttest_unilaterale_half <- list(
    estimate = unname(coef(tt)) + 0.5, statistic = unname(tt$statistic),
    df = unname(tt$parameter), pvalue = unname(tt$p.value))
  results[[name]] <- res
}

results$meta <- list(
  r_version = R.version.string,
  survey_version = as.character(packageVersion("survey")),
  design = "svydesign(ids = ~city_id, data = d)"
)
writeLines(toJSON(results, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           file.path(out_dir, "survey_reference.json"))
