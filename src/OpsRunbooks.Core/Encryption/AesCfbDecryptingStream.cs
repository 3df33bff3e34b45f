using System.Security.Cryptography;
using OpsRunbooks.IO;

namespace OpsRunbooks.Encryption;

/// <summary>
/// The plaintext of a Symmetrically Encrypted Integrity Protected Data body (RFC 4880 5.13): AES in CFB
/// mode from a zero IV, with the platform's AES (CFB decryption runs on whole buffers at once) and SHA-1
/// over everything read, for the Modification Detection Code. The reverse of <see cref="AesCfbEncryptingStream"/>.
/// </summary>
internal sealed class AesCfbDecryptingStream : ReadOnlyStream
{
    private const int BlockSize = 16;
    private const int BufferSize = 1 << 16;

    private readonly Stream _input;
    private readonly Aes _aes;
    private readonly IncrementalHash _mdc = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
    private readonly byte[] _cipher = new byte[BufferSize];
    private readonly byte[] _plain = new byte[BufferSize];
    private readonly byte[] _iv = new byte[BlockSize];
    private int _cipherFilled;
    private int _plainStart;
    private int _plainEnd;
    private bool _inputEnded;

    public AesCfbDecryptingStream(Stream input, byte[] sessionKey)
    {
        _input = input;
        _aes = Aes.Create();
        _aes.Key = sessionKey;
    }

    /// <summary>SHA-1 of the plaintext read so far: what the Modification Detection Code must equal.</summary>
    public byte[] CurrentMdc() => _mdc.GetCurrentHash();

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty) return 0;
        if (_plainStart == _plainEnd && !DecryptNext()) return 0;
        var count = Math.Min(buffer.Length, _plainEnd - _plainStart);
        _plain.AsSpan(_plainStart, count).CopyTo(buffer);
        _mdc.AppendData(buffer[..count]);
        _plainStart += count;
        return count;
    }

    /// <summary>Decrypts the next buffer of ciphertext; false at the end.</summary>
    private bool DecryptNext()
    {
        if (!_inputEnded)
        {
            var wanted = BufferSize - _cipherFilled;
            var read = _input.ReadAtLeast(_cipher.AsSpan(_cipherFilled, wanted), wanted, throwOnEndOfStream: false);
            _cipherFilled += read;
            _inputEnded = read < wanted;
        }
        var wholeBlocks = _cipherFilled - _cipherFilled % BlockSize;
        var usable = _inputEnded ? _cipherFilled : wholeBlocks;
        if (usable == 0) return false;

        if (wholeBlocks > 0)
        {
            _aes.DecryptCfb(_cipher.AsSpan(0, wholeBlocks), _iv, _plain.AsSpan(0, wholeBlocks), PaddingMode.None, feedbackSizeInBits: 128);
            _cipher.AsSpan(wholeBlocks - BlockSize, BlockSize).CopyTo(_iv);
        }
        var tail = usable - wholeBlocks;
        if (tail > 0)
        {
            // CFB's last, short block: the keystream block XORed with the bytes that are left.
            Span<byte> padded = stackalloc byte[BlockSize];
            _cipher.AsSpan(wholeBlocks, tail).CopyTo(padded);
            Span<byte> decrypted = stackalloc byte[BlockSize];
            _aes.DecryptCfb(padded, _iv, decrypted, PaddingMode.None, feedbackSizeInBits: 128);
            decrypted[..tail].CopyTo(_plain.AsSpan(wholeBlocks));
        }
        _cipher.AsSpan(usable, _cipherFilled - usable).CopyTo(_cipher);
        _cipherFilled -= usable;
        _plainStart = 0;
        _plainEnd = usable;
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _aes.Dispose();
            _mdc.Dispose();
        }
        base.Dispose(disposing);
    }
}
