<?php
// bpe workload for the PHP CLI: learn byte-pair-encoding merges from a generated corpus, then
// encode a held-out text with them (see workloads/bpe/README.md).

declare(strict_types=1);

require __DIR__ . '/runner.php';

const MODULUS = 2147483647;
const MULTIPLIER = 48271;
const CHECKSUM_MODULUS = 1000000007;
const SHOWN_MERGES = 8;
const CONSONANTS = 'bcdfghjklmnprstvwz';
const VOWELS = 'aeiou';

function check_generator(): void
{
    $state = 42;
    foreach ([2027382, 1226992407, 551494037] as $expected) {
        $state = $state * MULTIPLIER % MODULUS;
        if ($state !== $expected) {
            throw new RuntimeException("generator test vector mismatch: expected $expected, got $state");
        }
    }
}

// PHP ints are 64-bit and state * 48271 < 2^47, so % is exact.
final class Rng
{
    public function __construct(private int $state)
    {
    }

    public function next(): int
    {
        return $this->state = $this->state * MULTIPLIER % MODULUS;
    }
}

function make_word(Rng $rng): string
{
    $w = '';
    $syllables = 1 + $rng->next() % 3;
    for ($k = 0; $k < $syllables; $k++) {
        $w .= CONSONANTS[$rng->next() % strlen(CONSONANTS)];
        $w .= VOWELS[$rng->next() % strlen(VOWELS)];
        if ($rng->next() % 4 === 0) {
            $w .= CONSONANTS[$rng->next() % strlen(CONSONANTS)];
        }
    }
    return $w;
}

/**
 * $count words of $vocab, skewed towards its start, joined by single spaces.
 * @param list<string> $vocab
 */
function text_of(Rng $rng, array $vocab, int $count, bool $with_new_words): string
{
    $n = count($vocab);
    $words = [];
    for ($k = 0; $k < $count; $k++) {
        if ($with_new_words && $rng->next() % 10 === 0) {
            $words[] = make_word($rng);
        } else {
            $r = $rng->next() % $n;
            $words[] = $vocab[intdiv($r * ($rng->next() % $n), $n)];
        }
    }
    return implode(' ', $words);
}

/**
 * The read-only input, built once per process on the first call (see the README).
 * @return array{string, string} the corpus and the held-out text
 */
function texts(BmParams $params): array
{
    static $built = null;
    if ($built === null) {
        $seed = $params->int('seed');
        $nvocab = $params->int('vocab');
        $nwords = $params->int('words');
        $test_seed = $params->int('test_seed');
        $test_words = $params->int('test_words');
        if ($seed < 1 || $seed >= MODULUS || $test_seed < 1 || $test_seed >= MODULUS || $nvocab < 1
            || $nvocab > 67108864 || $nwords < 1 || $test_words < 1) {
            throw new InvalidArgumentException(
                'need 1 <= seed, test_seed < 2^31-1, 1 <= vocab <= 2^26, words, test_words >= 1');
        }
        $rng = new Rng($seed);
        $vocab = [];
        for ($i = 0; $i < $nvocab; $i++) {
            $vocab[] = make_word($rng);
        }
        $corpus = text_of($rng, $vocab, $nwords, false);
        $built = [$corpus, text_of(new Rng($test_seed), $vocab, $test_words, true)];
    }
    return $built;
}

/**
 * Pre-tokenisation: each chunk is a word with the space before it (none for the first word).
 * @return list<string>
 */
function chunks(string $text): array
{
    $words = explode(' ', $text);
    $out = [$words[0]];
    $n = count($words);
    for ($i = 1; $i < $n; $i++) {
        $out[] = ' ' . $words[$i];
    }
    return $out;
}

/**
 * Every occurrence of ($a, $b), left to right and not overlapping, replaced by $id.
 * @param list<int> $s
 * @return list<int>
 */
function merge(array $s, int $a, int $b, int $id): array
{
    $out = [];
    $n = count($s);
    for ($i = 0; $i < $n;) {
        if ($i + 1 < $n && $s[$i] === $a && $s[$i + 1] === $b) {
            $out[] = $id;
            $i += 2;
        } else {
            $out[] = $s[$i];
            $i += 1;
        }
    }
    return $out;
}

function run(BmParams $params): string
{
    check_generator();
    $merges_wanted = $params->int('merges');
    if ($merges_wanted < 0 || $merges_wanted > 32512) {
        throw new InvalidArgumentException('need 0 <= merges <= 32512');
    }
    [$corpus, $heldout] = texts($params);

    // Learn: the distinct chunks with their counts, each as a list of symbols (bytes first).
    // Chunks contain letters (and a leading space), so no key is turned into an int.
    $chunk_counts = array_count_values(chunks($corpus));
    $words = [];
    $counts = [];
    foreach ($chunk_counts as $c => $n) {
        // unpack('C*') numbers its values from 1; array_values makes them a list from 0.
        $words[] = array_values(unpack('C*', (string) $c));
        $counts[] = $n;
    }
    $nw = count($words);

    $merges = [];
    for ($m = 0; $m < $merges_wanted; $m++) {
        $pairs = [];
        for ($w = 0; $w < $nw; $w++) {
            $s = $words[$w];
            $count = $counts[$w];
            $last = count($s) - 1;
            for ($i = 0; $i < $last; $i++) {
                $k = $s[$i] << 16 | $s[$i + 1];
                $pairs[$k] = ($pairs[$k] ?? 0) + $count;
            }
        }
        if (count($pairs) === 0) {
            break;
        }
        $best = 0;
        $best_count = 0;
        foreach ($pairs as $k => $count) {
            if ($count > $best_count || ($count === $best_count && $k < $best)) {
                $best = $k;
                $best_count = $count;
            }
        }
        $a = $best >> 16;
        $b = $best & 0xFFFF;
        $merges[] = [$a, $b, $best_count];
        for ($w = 0; $w < $nw; $w++) {
            if (count($words[$w]) >= 2) {
                $words[$w] = merge($words[$w], $a, $b, 256 + $m);
            }
        }
    }

    // Encode: in each chunk, merge the adjacent pair of lowest rank until none has a rank.
    $ranks = [];
    foreach ($merges as $r => [$a, $b]) {
        $ranks[$a << 16 | $b] = $r;
    }
    $no_rank = count($merges);
    $tokens = 0;
    $checksum = 0;
    foreach (chunks($heldout) as $chunk) {
        $ids = array_values(unpack('C*', $chunk));
        while (count($ids) >= 2) {
            $best_rank = $no_rank;
            $last = count($ids) - 1;
            for ($i = 0; $i < $last; $i++) {
                $r = $ranks[$ids[$i] << 16 | $ids[$i + 1]] ?? $no_rank;
                if ($r < $best_rank) {
                    $best_rank = $r;
                }
            }
            if ($best_rank === $no_rank) {
                break;
            }
            [$a, $b] = $merges[$best_rank];
            $ids = merge($ids, $a, $b, 256 + $best_rank);
        }
        foreach ($ids as $id) {
            $checksum = ($checksum * 31 + $id) % CHECKSUM_MODULUS;
        }
        $tokens += count($ids);
    }

    $merges_checksum = 0;
    foreach ($merges as [$a, $b]) {
        $merges_checksum = ($merges_checksum * 31 + $a) % CHECKSUM_MODULUS;
        $merges_checksum = ($merges_checksum * 31 + $b) % CHECKSUM_MODULUS;
    }
    $out = 'merges ' . count($merges) . "\nvocab " . (256 + count($merges)) . "\n";
    foreach (array_slice($merges, 0, SHOWN_MERGES) as $r => [$a, $b, $count]) {
        $out .= 'merge ' . (256 + $r) . " = $a $b count $count\n";
    }
    return $out . "merges_checksum $merges_checksum\nheldout_bytes " . strlen($heldout)
        . "\ntokens $tokens\nchecksum $checksum\n";
}

bm_main('run');
