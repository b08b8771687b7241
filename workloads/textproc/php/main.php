<?php
// textproc workload for the PHP CLI: normalise, tokenise and embed one document of a generated
// corpus per iteration (see workloads/textproc/README.md).

declare(strict_types=1);

require __DIR__ . '/runner.php';

const MODULUS = 2147483647;
const MULTIPLIER = 48271;
const DIM = 64;
// Indexed by next() mod 16.
const SEPARATORS = ['. ', ', ', '; ', '! ', '? ', ' - ', "\n", "\n\n", "\t", '  ', '   ', "'", '-', ' ', ' ', ' '];

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

/** @param list<string> $vocab */
function document(Rng $rng, array $vocab, int $chars): string
{
    $n = count($vocab);
    $text = str_repeat(' ', $rng->next() % 3);
    while (strlen($text) < $chars) {
        if ($rng->next() % 16 === 0) {
            $text .= (string) ($rng->next() % 10000);
        } else {
            $r = $rng->next() % $n;
            $w = $vocab[intdiv($r * ($rng->next() % $n), $n)];
            $c = $rng->next() % 8;
            if ($c === 0) {
                $text .= strtoupper($w);
            } elseif ($c === 1) {
                // ucfirst and strtoupper are ASCII-only (locale-independent) since PHP 8.2.
                $text .= ucfirst($w);
            } elseif ($c === 2) {
                $len = strlen($w);
                for ($j = 0; $j < $len; $j++) {
                    $text .= $rng->next() % 2 === 1 ? strtoupper($w[$j]) : $w[$j];
                }
            } else {
                $text .= $w;
            }
        }
        $text .= SEPARATORS[$rng->next() % 16];
    }
    return substr($text, 0, $chars);
}

// FNV-1a, 32 bits: h < 2^32 and the prime < 2^25, so the 64-bit product is exact and the
// mask takes it modulo 2^32.
function fnv1a(string $s): int
{
    $h = 2166136261;
    $len = strlen($s);
    for ($i = 0; $i < $len; $i++) {
        $h = (($h ^ ord($s[$i])) * 16777619) & 0xFFFFFFFF;
    }
    return $h;
}

/**
 * Everything the README's "per document" section does, for one document.
 * @return array{string, int, int, list<float>} normalised text, tokens, vocabulary, embedding
 */
function embed(string $doc): array
{
    // strtolower is ASCII-only since PHP 8.2, which is what the README asks for.
    $norm = trim(preg_replace('/[ \t\n\r]+/', ' ', strtolower($doc)), ' ');
    $tokens = preg_split('/[^a-z0-9]+/', $norm, -1, PREG_SPLIT_NO_EMPTY);
    $counts = [];
    foreach ($tokens as $t) {
        // A token of digits only becomes an int key; the hash below goes through (string).
        $counts[$t] = ($counts[$t] ?? 0) + 1;
    }
    $v = array_fill(0, DIM, 0.0);
    foreach ($counts as $token => $n) {
        $h = fnv1a((string) $token);
        $v[$h % DIM] += $h >= 0x80000000 ? -(float) $n : (float) $n;
    }
    $ss = 0.0;
    for ($b = 0; $b < DIM; $b++) {
        $ss += $v[$b] * $v[$b];
    }
    if ($ss > 0.0) {
        $norm2 = sqrt($ss);
        for ($b = 0; $b < DIM; $b++) {
            $v[$b] = $v[$b] / $norm2;
        }
    }
    return [$norm, count($tokens), count($counts), $v];
}

/**
 * The read-only input, built once per process on the first call (see the README).
 * @return array{list<string>, list<float>} the documents and the query's embedding
 */
function corpus(int $seed, int $docs, int $chars, int $nvocab): array
{
    static $built = null;
    if ($built === null) {
        $rng = new Rng($seed);
        $vocab = [];
        for ($i = 0; $i < $nvocab; $i++) {
            $len = 1 + $rng->next() % 9;
            $w = '';
            for ($k = 0; $k < $len; $k++) {
                $w .= chr(97 + $rng->next() % 26);
            }
            $vocab[] = $w;
        }
        $query = document($rng, $vocab, $chars);
        $texts = [];
        for ($d = 0; $d < $docs; $d++) {
            $texts[] = document($rng, $vocab, $chars);
        }
        $built = [$texts, embed($query)[3]];
    }
    return $built;
}

function format6(float $x): string
{
    // sprintf's %.6f rounds the exact binary value like C's.
    return sprintf('%.6f', $x);
}

function run(BmParams $params): string
{
    check_generator();
    $seed = $params->int('seed');
    $docs = $params->int('docs');
    $chars = $params->int('chars');
    $nvocab = $params->int('vocab');
    if ($seed < 1 || $seed >= MODULUS || $docs < 1 || $chars < 1 || $nvocab < 1 || $nvocab > 67108864) {
        throw new InvalidArgumentException('need 1 <= seed < 2^31-1, docs >= 1, chars >= 1, 1 <= vocab <= 2^26');
    }
    [$texts, $query] = corpus($seed, $docs, $chars, $nvocab);
    $unit = $params->iteration() % $docs;

    [$norm, $ntokens, $nvocabulary, $v] = embed($texts[$unit]);
    $checksum = 0.0;
    for ($b = 0; $b < DIM; $b++) {
        $checksum += ($b + 1) * $v[$b];
    }
    $cosine = 0.0;
    for ($b = 0; $b < DIM; $b++) {
        $cosine += $v[$b] * $query[$b];
    }
    return "doc $unit chars " . strlen($norm) . " tokens $ntokens vocab $nvocabulary checksum "
        . format6($checksum) . ' cosine ' . format6($cosine) . "\n";
}

bm_main('run');
