using System.IO.Compression;
using System.Text;

namespace OpsRunbooks.Postgres;

/// <summary>
/// Turns the archive that `pg_dump --format=custom --compress=0` streams into the archive pg_dump writes
/// by default, its data zlib-compressed, and counts every table's rows on the way, reading it once,
/// forward only. Compressing here takes zlib off pg_dump's single thread, where it is most of a dump's
/// time, and runs it beside the dump; counting here spares the server a second scan of every table.
/// </summary>
/// <remarks>
/// The header and table of contents pass through unchanged but for the compression field. Every data
/// block, one per table and one per large object, becomes a zlib stream cut into length-prefixed chunks,
/// as pg_restore reads it. Archive versions 1.13 (pg_dump 11) to 1.16 (pg_dump 17) are understood.
/// </remarks>
public sealed class CustomArchiveCompressor
{

    private const byte CustomFormat = 1;
    private const byte DataBlock = 1;
    private const byte LargeObjectsBlock = 3;
    private const int StagingSize = 1 << 16;
    private const byte OffsetNotKnown = 1;
    private const byte OffsetKnown = 2;
    private static readonly int OldestVersion = Version(1, 13);
    private static readonly int FirstUnknownVersion = Version(1, 17);
    private static readonly int VersionWithTableAccessMethod = Version(1, 14);
    private static readonly int VersionWithCompressionAlgorithm = Version(1, 15);
    private static readonly int VersionWithRelationKind = Version(1, 16);
    private static readonly byte[] Magic = "PGDMP"u8.ToArray();
    private static readonly byte[] CopyDataTerminator = "\\.\n\n\n"u8.ToArray();
    private const int TerminatorLineFeeds = 3;

    // pg_restore inflates every data block, so a table without rows still needs a (empty) zlib stream.
    private static readonly byte[] EmptyZlibStream = [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01];

    private readonly ArchiveInput _input;
    private readonly Stream _output;
    private readonly byte[] _staging = new byte[StagingSize];
    private readonly Dictionary<int, string> _tablesByDumpId = [];
    private readonly SortedDictionary<string, long> _rowCounts = new(StringComparer.Ordinal);
    private readonly CancellationToken _cancellationToken;
    private int _offsetSize;

    private CustomArchiveCompressor(Stream archive, Stream output, CancellationToken cancellationToken)
    {
        _input = new ArchiveInput(archive);
        _output = output;
        _cancellationToken = cancellationToken;
    }

    /// <summary>
    /// Writes the compressed archive to <paramref name="output"/> and returns the rows of every table whose
    /// data the archive holds, keyed "schema.table". Blocks in plain reads: run it on a thread of its own.
    /// An archive that ends early throws <see cref="EndOfStreamException"/> (pg_dump's own error says why);
    /// one that is not what pg_dump writes throws <see cref="OpsException"/> with <see cref="PostgresErrorIds.DumpArchiveUnreadable"/>.
    /// </summary>
    public static SortedDictionary<string, long> Compress(Stream uncompressedArchive, Stream output, CancellationToken cancellationToken)
    {
        var compressor = new CustomArchiveCompressor(uncompressedArchive, output, cancellationToken);
        compressor.CopyHeader(out var version);
        compressor.CopyTableOfContents(version);
        compressor.CompressDataBlocks();
        return compressor._rowCounts;
    }

    private static int Version(int major, int minor) => (major << 16) | (minor << 8);

    private void CopyHeader(out int version)
    {
        if (!CopyBytes(Magic.Length).SequenceEqual(Magic)) throw Unreadable("it does not start with PGDMP");
        var numbers = CopyBytes(3);
        version = (numbers[0] << 16) | (numbers[1] << 8) | numbers[2];
        if (version < OldestVersion || version >= FirstUnknownVersion)
            throw Unreadable($"its format version {numbers[0]}.{numbers[1]} is not one of 1.13 to 1.16 (pg_dump 11 to 17)");
        _input.IntSize = CopyBytes(1)[0];
        if (_input.IntSize is < 1 or > 8) throw Unreadable($"its integer size {_input.IntSize} is out of range");
        _offsetSize = CopyBytes(1)[0];
        if (CopyBytes(1)[0] != CustomFormat) throw Unreadable("it is not in the custom format");

        if (version >= VersionWithCompressionAlgorithm)
        {
            if (_input.ReadByte() != 0) throw Unreadable("pg_dump already compressed it");
            _output.WriteByte(1); // gzip (zlib)
        }
        else
        {
            if (_input.ReadInt() != 0) throw Unreadable("pg_dump already compressed it");
            WriteInt(-1); // zlib's default level, as pg_dump records it
        }

        for (var field = 0; field < 7; field++) CopyInt(); // creation time
        CopyString(); // database name
        CopyString(); // server version
        CopyString(); // pg_dump version
    }

    private void CopyTableOfContents(int version)
    {
        var entries = CopyInt();
        for (var entry = 0; entry < entries; entry++)
        {
            var dumpId = CopyInt();
            CopyInt(); // had a data dumper
            CopyString(); // catalog table oid
            CopyString(); // oid
            var tag = CopyString();
            var description = CopyString();
            CopyInt(); // section
            CopyString(); // definition
            CopyString(); // drop statement
            CopyString(); // COPY statement
            var schema = CopyString();
            CopyString(); // tablespace
            if (version >= VersionWithTableAccessMethod) CopyString();
            if (version >= VersionWithRelationKind) CopyInt();
            CopyString(); // owner
            CopyString(); // "with oids", always false
            while (CopyString() is not null)
            {
                // dependencies, up to the terminating null
            }
            CopyDataOffset();
            if (description == "TABLE DATA" && tag is not null) _tablesByDumpId[dumpId] = $"{schema}.{tag}";
        }
    }

    /// <summary>
    /// An entry's data offset: a flag, then the offset. pg_dump only knows offsets when it writes to a file
    /// it can seek in; compressed, every block moves, so known offsets are written as not known, which
    /// makes pg_restore find blocks by reading through them, as it does for an archive dumped to a pipe.
    /// </summary>
    private void CopyDataOffset()
    {
        var flag = _input.ReadByte();
        _input.ReadExactly(_offsetSize);
        _output.WriteByte(flag == OffsetKnown ? OffsetNotKnown : flag);
        Span<byte> unknownOffset = stackalloc byte[_offsetSize];
        unknownOffset.Clear();
        _output.Write(unknownOffset);
    }

    private void CompressDataBlocks()
    {
        while (_input.TryReadByte() is var blockType and >= 0)
        {
            _cancellationToken.ThrowIfCancellationRequested();
            _output.WriteByte((byte)blockType);
            var dumpId = CopyInt();
            switch (blockType)
            {
                case DataBlock:
                    var rows = CompressChunks();
                    if (_tablesByDumpId.TryGetValue(dumpId, out var table)) _rowCounts[table] = rows;
                    break;
                case LargeObjectsBlock:
                    while (CopyInt() != 0) CompressChunks(); // one zlib stream per large object, up to oid 0
                    break;
                default:
                    throw Unreadable($"it has a data block of unknown type {blockType}");
            }
        }
    }

    /// <summary>
    /// Compresses one block's length-prefixed chunks, up to the zero length that ends them, into one zlib
    /// stream written as chunks of its own. Returns the rows of table data: in COPY's text format each row
    /// ends in a line feed (one inside a value is escaped), and pg_dump ends the data with "\.\n\n\n".
    /// </summary>
    private long CompressChunks()
    {
        long lineFeeds = 0;
        var staged = 0;
        var endsWithTerminator = false;
        var framing = new ChunkFramingStream(this);
        ZLibStream? zlib = null;
        void Flush()
        {
            if (staged == 0) return;
            var data = _staging.AsSpan(0, staged);
            lineFeeds += data.Count((byte)'\n');
            zlib ??= new ZLibStream(framing, CompressionLevel.Optimal, leaveOpen: true);
            zlib.Write(data);
            staged = 0;
        }

        while (_input.ReadInt() is var length && length != 0)
        {
            if (length < 0) throw Unreadable($"a data chunk has the length {length}");
            // pg_dump writes the end-of-data marker as a chunk of its own.
            endsWithTerminator = length == CopyDataTerminator.Length && _input.Peek(length).SequenceEqual(CopyDataTerminator);
            while (length > 0)
            {
                var piece = _input.ReadUpTo(Math.Min(length, StagingSize - staged));
                piece.CopyTo(_staging.AsSpan(staged));
                staged += piece.Length;
                length -= piece.Length;
                if (staged == StagingSize) Flush();
            }
        }
        Flush();
        if (zlib is null) framing.Write(EmptyZlibStream);
        else zlib.Dispose();
        WriteInt(0);
        return endsWithTerminator ? lineFeeds - TerminatorLineFeeds : lineFeeds;
    }

    private ReadOnlySpan<byte> CopyBytes(int count)
    {
        var bytes = _input.ReadExactly(count);
        _output.Write(bytes);
        return bytes;
    }

    private int CopyInt()
    {
        var value = _input.ReadInt();
        WriteInt(value);
        return value;
    }

    /// <summary>Copies a length-prefixed string; returns it, or null for the archive's null string (length -1).</summary>
    private string? CopyString()
    {
        var length = CopyInt();
        if (length < 0) return null;
        if (length <= ArchiveInput.BufferSize) return Encoding.UTF8.GetString(CopyBytes(length));
        // Long definitions (functions, views) are copied through, never needed as text.
        for (var left = length; left > 0;)
        {
            var piece = _input.ReadUpTo(Math.Min(left, ArchiveInput.BufferSize));
            _output.Write(piece);
            left -= piece.Length;
        }
        return "";
    }

    /// <summary>pg_dump's integer: a sign byte, then the magnitude in the archive's integer size, little-endian.</summary>
    private void WriteInt(long value)
    {
        Span<byte> bytes = stackalloc byte[1 + 8];
        bytes[0] = (byte)(value < 0 ? 1 : 0);
        var magnitude = (ulong)Math.Abs(value);
        for (var i = 0; i < _input.IntSize; i++, magnitude >>= 8) bytes[1 + i] = (byte)magnitude;
        _output.Write(bytes[..(1 + _input.IntSize)]);
    }

    private static OpsException Unreadable(string reason) => new(PostgresErrorIds.DumpArchiveUnreadable, FailureKind.InvalidData,
        $"pg_dump's output is not an archive this module can read: {reason}.");

    /// <summary>Writes each piece the zlib stream emits as one length-prefixed chunk.</summary>
    private sealed class ChunkFramingStream(CustomArchiveCompressor owner) : IO.WriteOnlyStream
    {
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            // A zero length would end the block.
            if (buffer.IsEmpty) return;
            owner.WriteInt(buffer.Length);
            owner._output.Write(buffer);
        }
    }

    /// <summary>Forward-only reads of the archive through one buffer.</summary>
    private sealed class ArchiveInput(Stream source)
    {
        public const int BufferSize = 1 << 16;
        private readonly byte[] _buffer = new byte[BufferSize];
        private int _position;
        private int _end;

        public int IntSize { get; set; } = 4;

        /// <summary>The next byte, or -1 where the archive ends.</summary>
        public int TryReadByte() => _position < _end || Fill() ? _buffer[_position++] : -1;

        public byte ReadByte() => TryReadByte() is var value and >= 0 ? (byte)value : throw new EndOfStreamException();

        public int ReadInt()
        {
            Require(1 + IntSize);
            var negative = _buffer[_position] != 0;
            long magnitude = 0;
            for (var i = IntSize; i >= 1; i--) magnitude = (magnitude << 8) | _buffer[_position + i];
            _position += 1 + IntSize;
            return checked((int)(negative ? -magnitude : magnitude));
        }

        /// <summary>Exactly <paramref name="count"/> bytes (at most <see cref="BufferSize"/>), valid until the next read.</summary>
        public ReadOnlySpan<byte> ReadExactly(int count)
        {
            Require(count);
            var bytes = _buffer.AsSpan(_position, count);
            _position += count;
            return bytes;
        }

        /// <summary>The next <paramref name="count"/> bytes (at most <see cref="BufferSize"/>) without consuming them.</summary>
        public ReadOnlySpan<byte> Peek(int count)
        {
            Require(count);
            return _buffer.AsSpan(_position, count);
        }

        /// <summary>Between one and <paramref name="count"/> bytes, valid until the next read.</summary>
        public ReadOnlySpan<byte> ReadUpTo(int count)
        {
            if (_position == _end && !Fill()) throw new EndOfStreamException();
            var bytes = _buffer.AsSpan(_position, Math.Min(count, _end - _position));
            _position += bytes.Length;
            return bytes;
        }

        private bool Fill()
        {
            _position = 0;
            _end = source.Read(_buffer, 0, BufferSize);
            return _end > 0;
        }

        private void Require(int count)
        {
            if (_end - _position >= count) return;
            _buffer.AsSpan(_position, _end - _position).CopyTo(_buffer);
            _end -= _position;
            _position = 0;
            while (_end < count)
            {
                var read = source.Read(_buffer, _end, BufferSize - _end);
                if (read == 0) throw new EndOfStreamException();
                _end += read;
            }
        }
    }
}
