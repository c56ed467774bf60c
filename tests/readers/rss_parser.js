// Parse one feed URL with rss-parser and print what it saw as JSON.
// Usage: node rss_parser.js URL
"use strict";
const Parser = require("rss-parser");

async function main() {
  const url = process.argv[2];
  if (!url) {
    console.error("usage: node rss_parser.js URL");
    process.exit(2);
  }
  const parser = new Parser({ timeout: 10000, maxRedirects: 3 });
  const feed = await parser.parseURL(url);
  const items = feed.items.map((item) => ({
    title: item.title,
    link: item.link,
    id: item.guid || item.id,
    date: item.isoDate,
    categories: item.categories || [],
    // RSS: the full body is content:encoded (item.content is the description).
    content: item["content:encoded"] || item.content || "",
  }));
  process.stdout.write(JSON.stringify({ title: feed.title, link: feed.link, items }));
}

main().catch((err) => {
  console.error(`rss-parser: ${err && err.message ? err.message : err}`);
  process.exit(1);
});
